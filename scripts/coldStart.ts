/**
 * `npx tsx scripts/coldStart.ts [--runs N]`: web mode's cold start, from
 * spawning `node out/main/server.js --port 0` to the first heatmap on screen
 * for the default model and sample, in Debian's Chromium (/usr/bin/chromium or
 * PYRAMIDSCOPE_CHROMIUM). Chromium is started before the clock starts: its own
 * start-up is not the app's. Each run is a fresh server and a fresh page.
 * Builds out/ first (untimed) when it is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { UsageError, int, parseFlags } from '../src-main/cli/args';
import { median } from './bench/stats';

interface ColdStart {
  listeningMs: number;
  pageLoadedMs: number;
  firstHeatmapMs: number;
  backend: string;
}

const executablePath = process.env.PYRAMIDSCOPE_CHROMIUM ?? '/usr/bin/chromium';

function ensureBuilt(): void {
  if (['out/main/server.js', 'out/main/engineWorker.js', 'out/renderer/index.html'].every((f) => existsSync(f))) return;
  process.stderr.write('building out/ (not timed)…\n');
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Resolves with the URL the server prints once it listens. */
function serverUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/web mode: (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out.trim()}`)));
  });
}

async function oneRun(): Promise<ColdStart> {
  const browser = await chromium.launch({ executablePath });
  let server: ChildProcess | undefined;
  try {
    const page = await browser.newPage();
    const t0 = performance.now();
    server = spawn(process.execPath, ['out/main/server.js', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await serverUrl(server);
    const listeningMs = performance.now() - t0;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const pageLoadedMs = performance.now() - t0;
    await page.getByTestId('heatmap-0').waitFor({ state: 'visible', timeout: 300_000 });
    await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
    const firstHeatmapMs = performance.now() - t0;
    const backend = (await page.getByTestId('backend').textContent())?.trim() ?? '?';
    return { listeningMs, pageLoadedMs, firstHeatmapMs, backend };
  } finally {
    server?.kill('SIGTERM');
    await browser.close();
  }
}

async function main(): Promise<void> {
  let runs: number;
  try {
    const p = parseFlags(process.argv.slice(2), { runs: 'string' });
    runs = p.flags.has('runs') ? int('runs', p.flags.get('runs') as string) : 1;
    if (runs < 1) throw new UsageError(`--runs ${runs} must be at least 1`);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (!existsSync(executablePath)) {
    process.stderr.write(`error: no Chromium at ${executablePath} (apt-get install -y chromium, or set PYRAMIDSCOPE_CHROMIUM)\n`);
    process.exit(2);
  }
  ensureBuilt();
  const results: ColdStart[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await oneRun();
    results.push(r);
    process.stdout.write(
      `run ${i + 1}: server listening ${r.listeningMs.toFixed(0)} ms, page loaded ${r.pageLoadedMs.toFixed(0)} ms, ` +
        `first heatmap ${r.firstHeatmapMs.toFixed(0)} ms (backend ${r.backend})\n`,
    );
  }
  process.stdout.write(`cold start (server start → first heatmap visible): ${median(results.map((r) => r.firstHeatmapMs)).toFixed(0)} ms` + (runs > 1 ? ` (median of ${runs})\n` : '\n'));
}

void main();
