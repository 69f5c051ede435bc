import { test, expect } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { canvasPixels, channelOf, colorbar, countEngineCalls, downloadNpy, minMaxOf } from '../fixtures/explorer';

test('colour bars carry each map\'s own range, per channel and per aggregate, checked against the exported features', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const npy1 = await downloadNpy(page, 1);
  expect(npy1.shape).toEqual([1, 256, 56, 56]);

  await page.getByTestId('view-mode').selectOption('channel');
  await page.getByTestId('channel-index').fill('7');
  const ch7 = minMaxOf(channelOf(npy1, 7));
  expect(await colorbar(page, 'colorbar-1')).toEqual(ch7);

  // Arrow keys step the channel (focus off any field).
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('channel-index')).toHaveValue('8');
  expect(await colorbar(page, 'colorbar-1')).toEqual(minMaxOf(channelOf(npy1, 8)));

  // Max over channels, computed here from the .npy.
  await page.getByTestId('view-mode').selectOption('max');
  const [, c, h, w] = npy1.shape;
  const maxMap = new Float32Array(h * w).fill(-Infinity);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) maxMap[i] = Math.max(maxMap[i], npy1.data[k * h * w + i]);
  expect(await colorbar(page, 'colorbar-1')).toEqual(minMaxOf(maxMap));
});

test('normalisation scopes: level spans every channel, shared spans every level, fixed is what you type', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const npy2 = await downloadNpy(page, 2);
  await page.getByTestId('view-mode').selectOption('channel');
  await page.getByTestId('channel-index').fill('3');
  await page.getByTestId('norm-scope').selectOption('level');
  expect(await colorbar(page, 'colorbar-2')).toEqual(minMaxOf(npy2.data));

  await page.getByTestId('view-mode').selectOption('mean');
  await page.getByTestId('norm-scope').selectOption('shared');
  const bars = await Promise.all([0, 1, 2, 3, 4].map((i) => colorbar(page, `colorbar-${i}`)));
  for (const b of bars) expect(b).toEqual(bars[0]);
  expect(bars[0].max).toBeGreaterThan(bars[0].min);

  await page.getByTestId('norm-scope').selectOption('fixed');
  await page.getByTestId('fixed-min').fill('-1');
  await page.getByTestId('fixed-max').fill('2.5');
  expect(await colorbar(page, 'colorbar-3')).toEqual({ min: -1, max: 2.5 });

  // The diverging colormap centres the range on zero.
  await page.getByTestId('norm-scope').selectOption('map');
  await page.getByTestId('colormap').selectOption('diverging');
  await expect(page.getByTestId('zero-centre')).toBeChecked();
  const centred = await colorbar(page, 'colorbar-0');
  expect(centred.min).toBe(-centred.max);
});

test('ReLU changes the values shown; display-only changes never call the engine and repaint', async ({ page }) => {
  const calls = countEngineCalls(page);
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('view-mode').selectOption('channel');
  await page.getByTestId('channel-index').fill('0');
  const before = calls.count();
  const signed = await colorbar(page, 'colorbar-4');
  const pixels = await canvasPixels(page.getByTestId('heatmap-4'));

  await page.getByTestId('colormap').selectOption('magma');
  await expect.poll(async () => (await canvasPixels(page.getByTestId('heatmap-4'))).join()).not.toBe(pixels.join());
  await page.getByTestId('value-sign').selectOption('relu');
  const relu = await colorbar(page, 'colorbar-4');
  expect(relu.min).toBeGreaterThanOrEqual(0);
  expect(relu.max).toBe(Math.max(0, signed.max));
  for (const mode of ['mean', 'max', 'l2', 'std', 'abssum', 'pca', 'channel']) await page.getByTestId('view-mode').selectOption(mode);
  for (const scope of ['level', 'shared', 'fixed', 'map']) await page.getByTestId('norm-scope').selectOption(scope);
  await page.getByTestId('overlay-toggle').check();
  await page.getByTestId('opacity').fill('0.3');
  await page.getByTestId('upsampling').selectOption('smooth');
  await expect(page.getByTestId('heatmap-4')).toHaveClass(/smooth/);
  await expect(page.getByTestId('heatmap-4')).toHaveCSS('opacity', '0.3');
  const box = await page.getByTestId('heatmap-2').boundingBox();
  await page.mouse.move(box!.x + 20, box!.y + 20);
  await expect(page.getByTestId('cell-box-2')).toBeVisible();
  expect(calls.count()).toBe(before);
});

test('PCA → RGB paints three components per level, per level or jointly', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('view-mode').selectOption('pca');
  const bar = page.getByTestId('colorbar-3');
  await expect(bar).toContainText('PC1');
  await expect(bar).toContainText('PC3');
  const px = await canvasPixels(page.getByTestId('heatmap-3'));
  const colours = new Set<string>();
  for (let i = 0; i < px.length; i += 4) colours.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
  expect(colours.size).toBeGreaterThan(50);
  await page.getByTestId('pca-fit').selectOption('joint');
  await expect(page.getByTestId('level-3')).toContainText('jointly');
  expect((await canvasPixels(page.getByTestId('heatmap-3'))).join()).not.toBe(px.join());
});

test('output_stride 8 keeps the view and shows the resolution change', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('view-mode').selectOption('l2');
  await page.getByTestId('colormap').selectOption('inferno');
  await page.getByTestId('output-stride').selectOption('8');
  await waitReady(page);
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-height', '28');
  await expect(page.getByTestId('level-4')).toContainText('stride 8');
  await expect(page.getByTestId('view-mode')).toHaveValue('l2');
  await expect(page.getByTestId('colormap')).toHaveValue('inferno');
});
