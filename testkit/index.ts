/**
 * pyramidscope/testkit: Playwright fixtures and a page object for end-to-end
 * tests against Pyramidscope.
 *
 *   import { test, expect } from 'pyramidscope/testkit';
 *   test('layer3 at stride 16', async ({ pyramidscope: app }) => {
 *     await app.selectModel('resnet50');
 *     await app.setOutIndices([1, 3]);
 *     await app.setOutputStride(16);
 *     await app.waitForReady();
 *     expect((await app.featureInfo())[1].reduction).toBe(16);
 *   });
 *
 * Web mode by default: builds the app if out/ is missing, starts its server on
 * 127.0.0.1 on a free port in test mode (PYRAMIDSCOPE_TEST_MODE=1), and opens it
 * in Chromium (/usr/bin/chromium, or PYRAMIDSCOPE_CHROMIUM). Electron with
 * `mode: 'electron'` (or PYRAMIDSCOPE_TESTKIT_MODE=electron): where no Electron
 * binary is installed, launching throws an error that says why.
 */
import { test as base, expect, chromium, _electron, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import type { LevelState, TestState } from '../src-renderer/testMode';

export { expect };

/** The repository (the package root): the testkit lives in <root>/testkit. */
export const PYRAMIDSCOPE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type Mode = 'web' | 'electron';

export interface LaunchOptions {
  /** 'web' (default, or PYRAMIDSCOPE_TESTKIT_MODE) or 'electron'. */
  mode?: Mode;
  /** 'if-missing' (default): build when out/ lacks the app; 'always'; 'never'. PYRAMIDSCOPE_TESTKIT_BUILD overrides. */
  build?: 'if-missing' | 'always' | 'never';
  /** Test mode (window.pyramidscope.state(), deterministic rendering); default true. */
  testMode?: boolean;
  /** Extra environment for the server or Electron (e.g. HF_ENDPOINT, PYRAMIDSCOPE_TEST_DIALOGS). */
  env?: Record<string, string>;
  /** Web mode: the Chromium to drive (default PYRAMIDSCOPE_CHROMIUM, else /usr/bin/chromium, else Playwright's). */
  chromiumPath?: string;
  /** Web mode: a fixed port (default: a free one). */
  port?: number;
  /** Web mode: the browser viewport (default 1400×1000, device scale factor 1). */
  viewport?: { width: number; height: number };
  /** Colour scheme the page starts in ('light' | 'dark'); default the app's own. */
  colorScheme?: 'light' | 'dark';
  /** How long the app may take to start (ms, default 120 000). */
  startTimeoutMs?: number;
}

export interface LaunchedApp {
  mode: Mode;
  /** Web mode: the page's URL. */
  url?: string;
  /** Web mode: the server process. Electron: undefined. */
  server?: ChildProcess;
  browser?: Browser;
  electron?: ElectronApplication;
  /** Server / Electron output so far (for failure messages). */
  log(): string;
}

export interface Launched {
  page: Page;
  app: LaunchedApp;
  close(): Promise<void>;
}

function ensureBuilt(how: NonNullable<LaunchOptions['build']>): void {
  const built = ['out/main/server.js', 'out/main/engineWorker.js', 'out/main/index.js', 'out/renderer/index.html'].every((f) => existsSync(path.join(PYRAMIDSCOPE_ROOT, f)));
  if (how === 'never' || (how === 'if-missing' && built)) {
    if (!built) throw new Error(`pyramidscope testkit: the app is not built in ${PYRAMIDSCOPE_ROOT}/out and build is 'never'; run 'npm run build'`);
    return;
  }
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: PYRAMIDSCOPE_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pyramidscope testkit: 'electron-vite build' failed (status ${r.status}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(0, 8000));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Where the Electron binary is, or why it is not there (as scripts/electronBinary.mjs says). */
export function findElectron(): { ok: true; binary: string } | { ok: false; reason: string } {
  const require = createRequire(path.join(PYRAMIDSCOPE_ROOT, 'package.json'));
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const pathTxt = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathTxt)) return { ok: false, reason: `the Electron binary was not downloaded (no ${pathTxt}); run 'npm run install-electron' where the network allows` };
  const binary = path.join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing (${binary}); run 'npm run install-electron'` };
  return { ok: true, binary };
}

function defaultChromium(explicit?: string): string | undefined {
  if (explicit) return explicit;
  if (process.env.PYRAMIDSCOPE_CHROMIUM) return process.env.PYRAMIDSCOPE_CHROMIUM;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--force-device-scale-factor=1'];

/** Starts Pyramidscope (web mode by default) and opens its page; `close()` stops everything it started. */
export async function launchPyramidscope(options: LaunchOptions = {}): Promise<Launched> {
  const mode: Mode = options.mode ?? (process.env.PYRAMIDSCOPE_TESTKIT_MODE === 'electron' ? 'electron' : 'web');
  const build = (process.env.PYRAMIDSCOPE_TESTKIT_BUILD as LaunchOptions['build']) ?? options.build ?? 'if-missing';
  const testMode = options.testMode ?? true;
  const timeout = options.startTimeoutMs ?? 120_000;
  // The engine caches weights into fresh folders, never the user's.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-testkit-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HF_HUB_CACHE: path.join(scratch, 'hub'),
    PYRAMIDSCOPE_WEIGHTS_DIR: path.join(scratch, 'local-weights'),
    ...(testMode ? { PYRAMIDSCOPE_TEST_MODE: '1' } : {}),
    ...options.env,
  };
  const cleanScratch = () => rmSync(scratch, { recursive: true, force: true });

  if (mode === 'electron') {
    const found = findElectron();
    if (!found.ok) {
      cleanScratch();
      throw new Error(`pyramidscope testkit: cannot start the desktop app: ${found.reason}. Use mode 'web' (the default) here.`);
    }
    ensureBuilt(build);
    let output = '';
    const electron = await _electron.launch({ executablePath: found.binary, args: [PYRAMIDSCOPE_ROOT], env, cwd: PYRAMIDSCOPE_ROOT, timeout });
    electron.process().stdout?.on('data', (d: Buffer) => (output += d.toString()));
    electron.process().stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const page = await electron.firstWindow();
    return {
      page,
      app: { mode, electron, log: () => output },
      close: async () => {
        await electron.close().catch(() => {});
        cleanScratch();
      },
    };
  }

  ensureBuilt(build);
  const port = options.port ?? (await freePort());
  let output = '';
  const server = spawn(process.execPath, ['out/main/server.js', '--host', '127.0.0.1', '--port', String(port)], { cwd: PYRAMIDSCOPE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stopServer = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForServer(url, server, () => output, timeout);
  } catch (e) {
    await stopServer();
    cleanScratch();
    throw e;
  }
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: defaultChromium(options.chromiumPath), args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 1000 }, deviceScaleFactor: 1, colorScheme: options.colorScheme, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(testMode ? `${url}?testMode=1` : url);
    return {
      page,
      app: { mode, url, server, browser, log: () => output },
      close: async () => {
        await browser?.close().catch(() => {});
        await stopServer();
        cleanScratch();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    await stopServer();
    cleanScratch();
    throw e;
  }
}

async function waitForServer(url: string, server: ChildProcess, log: () => string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`pyramidscope testkit: the server exited (status ${server.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`pyramidscope testkit: the server did not answer at ${url} within ${timeout} ms:\n${log()}`);
}

/** One row of the feature-info table. */
export interface FeatureInfoRow {
  index: number;
  module: string;
  channels: number;
  reduction: number;
  /** [C, H, W]. */
  shape: [number, number, number];
}

/** Statistics of one level as shown (test mode's window.pyramidscopeTest.state()). */
export type LevelStats = Pick<LevelState, 'shape' | 'min' | 'max' | 'mean' | 'checksum' | 'map'>;

export interface ViewOptions {
  mode?: 'channel' | 'mean' | 'max' | 'l2' | 'std' | 'abssum' | 'pca';
  channel?: number;
  colormap?: 'viridis' | 'magma' | 'inferno' | 'cividis' | 'turbo' | 'grey' | 'diverging';
  norm?: 'map' | 'level' | 'shared' | 'fixed';
  sign?: 'signed' | 'relu';
}

/** What window.pyramidscopeTest.state() returns: the renderer's test-mode state, defined once in src-renderer/testMode.ts. */
export type AppTestState = TestState;

/** The page object: drives the UI the way a user does, through its test ids. */
export class PyramidscopePage {
  constructor(
    readonly page: Page,
    readonly app: LaunchedApp,
  ) {}

  /** Waits until run-status says `ready` (in test mode: idle-time work done too) and returns the state. */
  async waitForReady(timeout = 120_000): Promise<AppTestState> {
    const status = this.page.getByTestId('run-status');
    await expect(status).toHaveText(/^(ready|error)$/, { timeout });
    const text = await status.textContent();
    if (text === 'error') throw new Error(`pyramidscope: the run failed: ${await this.page.getByTestId('error-message').textContent()}`);
    await this.page.waitForFunction(() => {
      const t = (window as unknown as { pyramidscopeTest?: { state(): { status: string; settled: boolean } } }).pyramidscopeTest;
      return !t || (t.state().status === 'ready' && t.state().settled);
    }, undefined, { timeout });
    return this.state();
  }

  /** Test mode's read-only state (settings and per-level stats). */
  async state(): Promise<AppTestState> {
    return this.page.evaluate(() => {
      const t = (window as unknown as { pyramidscopeTest?: { state(): unknown } }).pyramidscopeTest;
      if (!t) throw new Error('pyramidscope: not in test mode (start with testMode: true, or open ?testMode=1)');
      return t.state();
    }) as Promise<AppTestState>;
  }

  async selectModel(name: string): Promise<void> {
    await this.page.getByTestId('model-search').fill(name);
    await this.page.getByTestId(`model-option-${name}`).click();
    await expect(this.page.getByTestId('current-model')).toHaveText(name);
  }

  /** Sets the out_indices checkboxes to exactly `indices`. */
  async setOutIndices(indices: number[]): Promise<void> {
    const boxes = this.page.locator('[data-testid^="out-index-"]');
    await expect(boxes.first()).toBeVisible();
    const count = await boxes.count();
    const unknown = indices.filter((i) => i < 0 || i >= count);
    if (unknown.length) throw new Error(`pyramidscope: the model has feature levels 0..${count - 1}; no ${unknown.join(', ')}`);
    // Check the wanted ones first, so the set is never empty on the way.
    for (const i of indices) {
      const box = this.page.getByTestId(`out-index-${i}`);
      if (!(await box.isChecked())) await box.check();
    }
    for (let i = 0; i < count; i++) {
      if (indices.includes(i)) continue;
      const box = this.page.getByTestId(`out-index-${i}`);
      if (await box.isChecked()) await box.uncheck();
    }
  }

  async setOutputStride(n: number): Promise<void> {
    await this.page.getByTestId('output-stride').selectOption(String(n));
  }

  /** N for N×N, [H, W] otherwise. */
  async setInputSize(size: number | [number, number]): Promise<void> {
    await this.page.getByTestId('input-size').fill(Array.isArray(size) ? `${size[0]}x${size[1]}` : String(size));
  }

  /** A bundled sample: chelsea, coffee, astronaut, rocket. */
  async loadSample(name: string): Promise<void> {
    await this.page.getByTestId(`sample-${name}`).click();
  }

  /** An image file from disk (PNG, JPEG, WebP). */
  async loadImage(file: string): Promise<void> {
    await this.page.getByTestId('image-input').setInputFiles(file);
  }

  /** The feature-info table, one row per output level, as numbers. */
  async featureInfo(): Promise<FeatureInfoRow[]> {
    const rows = this.page.locator('[data-testid^="feature-info-row-"]');
    const out: FeatureInfoRow[] = [];
    for (const row of await rows.all()) {
      const id = (await row.getAttribute('data-testid')) ?? '';
      const cell = async (t: string) => ((await row.getByTestId(t).textContent()) ?? '').trim();
      const shape = (await cell('fi-shape')).split(/[×x]/).map(Number) as [number, number, number];
      out.push({ index: Number(id.replace('feature-info-row-', '')), module: await cell('fi-module'), channels: Number(await cell('fi-channels')), reduction: Number(await cell('fi-reduction')), shape });
    }
    return out;
  }

  /** Stats of level `index` (a feature_info index) as shown; waits for `ready`. */
  async level(index: number): Promise<LevelStats> {
    const state = await this.waitForReady();
    const level = state.levels.find((l) => l.index === index);
    if (!level) throw new Error(`pyramidscope: level ${index} is not shown (out_indices ${state.outIndices.join(', ')})`);
    const { shape, min, max, mean, checksum, map } = level;
    return { shape, min, max, mean, checksum, ...(map ? { map } : {}) };
  }

  /** Display settings (they never re-run the model). */
  async setView(view: ViewOptions): Promise<void> {
    if (view.mode !== undefined) await this.page.getByTestId('view-mode').selectOption(view.mode);
    if (view.sign !== undefined) await this.page.getByTestId('value-sign').selectOption(view.sign);
    if (view.channel !== undefined) await this.page.getByTestId('channel-index').fill(String(view.channel));
    if (view.colormap !== undefined) await this.page.getByTestId('colormap').selectOption(view.colormap);
    if (view.norm !== undefined) await this.page.getByTestId('norm-scope').selectOption(view.norm);
  }

  /** Light or dark, through the theme toggle. */
  async setTheme(theme: 'light' | 'dark'): Promise<void> {
    const toggle = this.page.getByTestId('theme-toggle');
    if ((await toggle.getAttribute('data-theme')) !== theme) await toggle.click();
    await expect(toggle).toHaveAttribute('data-theme', theme);
  }
}

export interface PyramidscopeFixtures {
  /** Options for the `pyramidscope` fixture: test.use({ pyramidscopeOptions: { mode: 'electron' } }). */
  pyramidscopeOptions: LaunchOptions;
  /** The app, started for this test (and waited on until its first run is ready), closed after it. */
  pyramidscope: PyramidscopePage;
}

export const test = base.extend<PyramidscopeFixtures>({
  pyramidscopeOptions: [{}, { option: true }],
  pyramidscope: async ({ pyramidscopeOptions }, use) => {
    const launched = await launchPyramidscope(pyramidscopeOptions);
    try {
      const app = new PyramidscopePage(launched.page, launched.app);
      await app.waitForReady();
      await use(app);
    } finally {
      await launched.close();
    }
  },
});
