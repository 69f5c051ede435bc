/**
 * Repaint time for display-only changes (colormap, channel, aggregate,
 * normalisation, opacity, sign, upsampling, probe) on a real pyramid in
 * Chromium, against the real engine in web mode. Prints median and p95.
 *
 *   npm run build && npx tsx scripts/repaintBench.ts [--model resnet50] [--input-size 224] [--rounds 40]
 *
 * Per change, "work" is dispatch → all JavaScript done (React render, the
 * reduction if any, the canvas puts), measured with a MessageChannel task
 * queued right after the event; "frame" is dispatch → the next animation
 * frame callback after that, i.e. the change is in the frame being drawn.
 * A benchmark, not a test: it prints numbers and asserts nothing.
 */
import { chromium, type Page } from 'playwright-core';
import { startWebMode } from './bench/webMode';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const MODEL = flag('model', 'resnet50');
const INPUT = flag('input-size', '224');
const ROUNDS = Number(flag('rounds', '40'));
const CHROMIUM = process.env.PYRAMIDSCOPE_CHROMIUM ?? '/usr/bin/chromium';

interface Timing {
  work: number;
  frame: number;
}

function stats(xs: number[]): string {
  if (!xs.length) return 'n=0';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return `median ${q(0.5).toFixed(2)} ms  p95 ${q(0.95).toFixed(2)} ms  max ${s[s.length - 1].toFixed(2)} ms  (n=${s.length})`;
}

const startServer = startWebMode;

/**
 * Runs `change` (JS source using `i`) in the page `rounds` times and times each,
 * as described above. The page code is a string: tsx would otherwise wrap the
 * function with helpers that do not exist in the page.
 */
async function measure(page: Page, rounds: number, change: string): Promise<Timing[]> {
  return page.evaluate(`(async () => {
    const act = (i) => { ${change} };
    const out = [];
    const nextTask = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
    const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));
    for (let i = 0; i < ${rounds}; i++) {
      await nextFrame();
      const t0 = performance.now();
      act(i);
      await nextTask();
      const t1 = performance.now();
      await nextFrame();
      out.push({ work: t1 - t0, frame: performance.now() - t0 });
    }
    return out;
  })()`) as Promise<Timing[]>;
}

const SELECT = (testId: string, values: string[]) =>
  `const el = document.querySelector('[data-testid="${testId}"]'); el.value = ${JSON.stringify(values)}[i % ${values.length}]; el.dispatchEvent(new Event('change', { bubbles: true }));`;
const RANGE = (testId: string, values: number[]) =>
  `const el = document.querySelector('[data-testid="${testId}"]'); Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, String(${JSON.stringify(values)}[i % ${values.length}])); el.dispatchEvent(new Event('input', { bubbles: true }));`;
const KEY = (key: string) => `window.dispatchEvent(new KeyboardEvent('keydown', { key: ${JSON.stringify(key)} }));`;
const HOVER = (testId: string) =>
  `const s = document.querySelector('[data-testid="${testId}"]').closest('.stage'); const b = s.getBoundingClientRect(); const f = (i * 37 % 97) / 97; s.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: b.left + f * b.width, clientY: b.top + (1 - f) * b.height }));`;

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(server.url);
    await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
    if (MODEL !== 'resnet50') {
      await page.getByTestId(`model-option-${MODEL}`).click();
      await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 300_000 });
    }
    if (INPUT !== '224') {
      await page.getByTestId('input-size').fill(INPUT);
      await page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 600_000 });
    }
    const shapes = (await page.locator('[data-testid="fi-shape"]').allTextContents()).map((t) => t.split('×').map(Number));
    const floats = shapes.reduce((sum, [c, h, w]) => sum + c * h * w, 0);
    const heap = (await page.evaluate('performance.memory ? performance.memory.usedJSHeapSize : 0')) as number;
    const held = (await page.getByTestId('held-features').textContent())?.replace(/^\W+/, '');
    console.log(`${MODEL} at ${INPUT}×${INPUT}: levels ${shapes.map((x) => x.join('×')).join(', ')}; ${(floats / 1e6).toFixed(2)} M values, held as ${held}; JS heap ${(heap / 2 ** 20).toFixed(0)} MiB`);
    console.log(`Chromium ${browser.version()}, ${ROUNDS} rounds per change; "work" = JS done, "frame" = in the next animation frame\n`);

    const report = (name: string, t: Timing[]) => {
      console.log(`${name.padEnd(38)} work  ${stats(t.map((x) => x.work))}`);
      console.log(`${''.padEnd(38)} frame ${stats(t.map((x) => x.frame))}`);
    };
    const all: Timing[] = [];
    const run = async (name: string, change: string, rounds = ROUNDS) => {
      const t = await measure(page, rounds, change);
      report(name, t);
      all.push(...t);
    };

    // Cold: the first time each aggregate (and ReLU variant) is asked for, it is reduced once and cached.
    const cold = await measure(page, 10, SELECT('view-mode', ['max', 'l2', 'std', 'abssum', 'mean']) + `if (i === 4) { const v = document.querySelector('[data-testid="value-sign"]'); v.value = 'relu'; v.dispatchEvent(new Event('change', { bubbles: true })); }`);
    report('aggregate, first time (cold, reduces)', cold);
    await run('colormap', SELECT('colormap', ['magma', 'inferno', 'cividis', 'turbo', 'grey', 'viridis']));
    await run('aggregate (mean/max/L2/std/Σ|x|)', SELECT('view-mode', ['max', 'l2', 'std', 'abssum', 'mean']));
    await run('signed ↔ ReLU', SELECT('value-sign', ['signed', 'relu']));
    await run('normalisation scope', SELECT('norm-scope', ['level', 'shared', 'map']));
    await page.getByTestId('overlay-toggle').check();
    await run('opacity (overlay on)', RANGE('opacity', [0.2, 0.4, 0.6, 0.8]));
    await run('upsampling nearest ↔ smooth', SELECT('upsampling', ['smooth', 'nearest']));
    await run('probe (hover a map)', HOVER('heatmap-1'));
    await page.getByTestId('view-mode').selectOption('channel');
    await run('channel step (arrow key)', KEY('ArrowRight'));
    console.log(`\nall warm display-only changes together    work  ${stats(all.map((x) => x.work))}`);
    console.log(`${''.padEnd(42)} frame ${stats(all.map((x) => x.frame))}`);

    const pca = await measure(page, 1, SELECT('view-mode', ['pca']));
    console.log(`\nPCA → RGB, first fit of every level (cold)  work ${pca[0].work.toFixed(1)} ms (then cached: switching back and forth is a repaint)`);
    const joint = await measure(page, 1, SELECT('pca-fit', ['joint']));
    console.log(`PCA joint across levels, first fit (cold)   work ${joint[0].work.toFixed(1)} ms`);
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
