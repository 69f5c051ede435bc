/**
 * Renderer memory for a large input: the default model (ResNet-50) at
 * 1024×1024 in Chromium against the real engine in web mode, once per
 * precision (exact float32, and 'auto', which holds large pyramids as
 * float16). Prints the feature bytes the window holds and the renderer
 * process's resident memory now and at its peak (Linux /proc).
 *
 *   npm run build && npx tsx scripts/rendererMemory.ts [--input-size 1024]
 *
 * A benchmark, not a test: it prints numbers and asserts nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startWebMode } from './bench/webMode';

const i = process.argv.indexOf('--input-size');
const INPUT = i > 0 ? process.argv[i + 1] : '1024';
const CHROMIUM = process.env.PYRAMIDSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const MiB = 2 ** 20;

/**
 * Page renderer processes of Chromium (not its own UI's). Run with no other
 * Chromium open: the one page's renderer is then the largest of these.
 */
function rendererPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Chromium rewrites its children's titles, so match the joined command line.
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes('--type=renderer') && !cmd.includes('--top-chrome-webui');
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function measure(url: string, transfer: 'float32' | 'auto'): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('transfer-precision').selectOption(transfer);
    await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
    const at224 = rendererPids().map(memoryOf).sort((a, b) => b.rss - a.rss)[0];
    await page.getByTestId('input-size').fill(INPUT);
    await page.locator('[data-testid="level-0"]').filter({ hasText: `×${Number(INPUT) / 2}×` }).waitFor({ timeout: 600_000 });
    await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 600_000 });
    await page.waitForTimeout(500);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const held = Number(await page.getByTestId('held-features').getAttribute('data-bytes'));
    const label = (await page.getByTestId('held-features').textContent())?.trim();
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const pids = rendererPids();
    const mem = pids.map(memoryOf).sort((a, b) => b.rss - a.rss)[0];
    const fmt = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
    console.log(
      `${transfer.padEnd(8)} features held ${fmt(held).padStart(8)} (${label})  JS heap ${fmt(heap.usedSize).padStart(7)}  renderer RSS ${mem ? fmt(mem.rss) : 'n/a'}, peak ${mem ? fmt(mem.peak) : 'n/a'} (at 224 before: RSS ${at224 ? fmt(at224.rss) : 'n/a'})`,
    );
  } finally {
    await browser.close();
  }
}

const server = await startWebMode();
try {
  console.log(`resnet50 (default levels) at ${INPUT}×${INPUT}, Chromium, renderer process memory after GC:`);
  for (const t of ['float32', 'auto'] as const) await measure(server.url, t);
} finally {
  server.stop();
}
