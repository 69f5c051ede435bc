/**
 * The README's screenshots, taken from the running app (web mode, real
 * engine, Debian's Chromium): `npm run build && npx tsx scripts/screenshots.ts`.
 * Writes docs/screenshots/*.png.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { startWebMode } from './bench/webMode';

const OUT = 'docs/screenshots';
const CHROMIUM = process.env.PYRAMIDSCOPE_CHROMIUM ?? '/usr/bin/chromium';

const startServer = startWebMode;

const ready = (page: Page) => page.getByTestId('run-status').filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 });

async function hover(page: Page, panel: string, fx: number, fy: number): Promise<void> {
  const box = await page.getByTestId(panel).locator('.stage').boundingBox();
  if (box) await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
}

async function shot(page: Page, name: string, testIds: string[]): Promise<void> {
  // The union of the named elements' boxes, so one picture shows a control and what it does.
  const boxes = (await Promise.all(testIds.map((id) => page.getByTestId(id).first().boundingBox()))).filter((b) => b !== null);
  const x = Math.min(...boxes.map((b) => b.x)) - 6;
  const y = Math.min(...boxes.map((b) => b.y)) - 6;
  const right = Math.max(...boxes.map((b) => b.x + b.width)) + 6;
  const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 6;
  await page.screenshot({ path: `${OUT}/${name}.png`, clip: { x: Math.max(0, x), y: Math.max(0, y), width: right - Math.max(0, x), height: bottom - Math.max(0, y) } });
  console.log(`wrote ${OUT}/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1700, height: 2700 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await ready(page);

    // 1. The aligned pyramid over the input.
    await page.getByTestId('overlay-toggle').check();
    await page.getByTestId('opacity').fill('0.65');
    await shot(page, 'pyramid', ['main-pane']);

    // 2. One channel, normalised per level, with the probe's receptive fields.
    await page.getByTestId('overlay-toggle').uncheck();
    await page.getByTestId('view-mode').selectOption('channel');
    await page.getByTestId('channel-index').fill('12');
    await page.getByTestId('norm-scope').selectOption('level');
    await page.getByTestId('colormap').selectOption('magma');
    await hover(page, 'level-2', 0.42, 0.3);
    // A click locks the probe and asks the engine for the cell's effective receptive field.
    await page.mouse.down();
    await page.mouse.up();
    await page.getByTestId('erf-info').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 });
    await shot(page, 'probe', ['main-pane', 'probe-readout']);
    await page.mouse.down();
    await page.mouse.up();
    await page.getByTestId('erf-clear').click();

    // 3. Channel browser with a channel's large view and histogram.
    await page.mouse.move(5, 5);
    await page.getByTestId('browser-level').selectOption('1');
    await page.getByTestId('channel-thumbs').locator('button').first().click();
    await page.getByTestId('pin-channel').click();
    await shot(page, 'channels', ['channel-browser']);

    // 4. PCA → RGB.
    await page.getByTestId('view-mode').selectOption('pca');
    await page.getByTestId('colorbar-4').filter({ hasText: 'PC1' }).waitFor();
    await shot(page, 'pca', ['main-pane']);

    // 5. Compare output_stride 32 with 8.
    await page.getByTestId('view-mode').selectOption('l2');
    await page.getByTestId('colormap').selectOption('viridis');
    await page.getByTestId('norm-scope').selectOption('map');
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-status').filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 });
    await hover(page, 'level-3', 0.4, 0.35);
    await shot(page, 'compare', ['main-pane', 'compare-pane', 'diff-row']);
    await page.getByTestId('compare-toggle').uncheck();

    // 6. Learn panel and penultimate features.
    await page.mouse.move(5, 5);
    await page.getByTestId('learn-panel').locator('summary').click();
    await page.getByTestId('learn-row-4').waitFor();
    await shot(page, 'learn', ['learn-panel']);
    await page.getByTestId('learn-panel').locator('summary').click();
    await page.getByTestId('penultimate-panel').locator('summary').click();
    await page.getByTestId('load-penultimate').click();
    await page.getByTestId('penultimate-map').waitFor({ timeout: 180_000 });
    await shot(page, 'penultimate', ['penultimate-panel']);

    // 7. The whole window, dark theme.
    await page.getByTestId('penultimate-panel').locator('summary').click();
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('view-mode').selectOption('mean');
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.screenshot({ path: `${OUT}/window-dark.png` });
    console.log(`wrote ${OUT}/window-dark.png`);
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
