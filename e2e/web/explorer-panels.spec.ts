import { test, expect } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { downloadNpy } from '../fixtures/explorer';

test('channel browser: top-k by energy as thumbnails, a large view with histogram, pins that follow the image', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const npy0 = await downloadNpy(page, 0);
  const [, c, h, w] = npy0.shape;
  const energy = Array.from({ length: c }, (_, k) => {
    let s = 0;
    for (let i = k * h * w; i < (k + 1) * h * w; i++) s += npy0.data[i] * npy0.data[i];
    return s / (h * w);
  });
  const best = energy.indexOf(Math.max(...energy));

  await expect(page.getByTestId('rank-by')).toHaveValue('energy');
  const thumbs = page.getByTestId('channel-thumbs').locator('button');
  await expect(thumbs).toHaveCount(16);
  await expect(thumbs.first()).toHaveAttribute('data-testid', `channel-thumb-0-${best}`);
  expect(Number(await thumbs.first().getAttribute('data-score'))).toBeCloseTo(energy[best], 3);
  const scores = await thumbs.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-score'))));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));

  await page.getByTestId('rank-by').selectOption('sparsity');
  await page.getByTestId('top-k').fill('8');
  await expect(thumbs).toHaveCount(8);

  const first = thumbs.first();
  const channel = Number((await first.getAttribute('data-testid'))!.split('-').pop());
  await first.click();
  await expect(page.getByTestId('channel-detail')).toHaveAttribute('data-channel', String(channel));
  await expect(page.getByTestId('channel-histogram')).toHaveAttribute('data-total', String(h * w));
  await page.getByTestId('pin-channel').click();
  await expect(page.getByTestId(`pinned-0-${channel}`)).toBeVisible();
  await page.getByTestId('show-channel').click();
  await expect(page.getByTestId('view-mode')).toHaveValue('channel');
  await expect(page.getByTestId('channel-index')).toHaveValue(String(channel));

  await page.getByTestId('sample-astronaut').click();
  await waitReady(page);
  await expect(page.getByTestId(`pinned-0-${channel}`)).toBeVisible();
});

test('learn panel: reduction, stride, dilation at output_stride 8/16 and receptive-field growth, live', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('learn-panel').locator('summary').click();
  await expect(page.getByTestId('learn-row-4')).toHaveAttribute('data-rf', '427');
  await expect(page.getByTestId('learn-row-1')).toHaveAttribute('data-stride', '4');
  await expect(page.getByTestId('learn-3-os8')).toHaveAttribute('data-dilation', '2');
  await expect(page.getByTestId('learn-4-os8')).toHaveAttribute('data-dilation', '4');
  await expect(page.getByTestId('learn-4-os16')).toHaveAttribute('data-dilation', '2');
  await expect(page.getByTestId('learn-rf-growth')).toContainText('7 → 35 → 91 → 267 → 427');
  await expect(page.getByTestId('learn-stride-story').first()).toContainText('output_stride 16');

  await page.getByTestId('model-option-densenet121').click();
  await waitReady(page);
  await expect(page.getByTestId('learn-panel')).toContainText('densenet121');
  await page.getByTestId('learn-panel').locator('summary').click();
  await page.getByTestId('learn-panel').locator('summary').click();
  await expect(page.getByTestId('learn-stride-story')).toContainText('only runs at output_stride 32');
});

test('penultimate features: forward_features map and the pooled pre-logits strip', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('penultimate-panel').locator('summary').click();
  await page.getByTestId('load-penultimate').click();
  await expect(page.getByTestId('penultimate-map')).toHaveAttribute('data-shape', '2048x7x7');
  await expect(page.getByTestId('penultimate-bars')).toHaveAttribute('data-count', '2048');
  await expect(page.getByTestId('penultimate-panel')).toContainText('m.forward_features(x)');
  await expect(page.getByTestId('penultimate-panel')).toContainText("num_classes=0");
});

test('preferences persist across a restart (theme, colormap), session state does not; shortcuts work', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('colormap').selectOption('magma');
  await page.getByTestId('view-mode').selectOption('std');

  await page.reload();
  await waitReady(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('colormap')).toHaveValue('magma');
  await expect(page.getByTestId('view-mode')).toHaveValue('mean');
  const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('pyramidscope-prefs'))) ?? '{}');
  expect(stored.version).toBe(1);
  expect(Object.keys(stored.state).sort()).toEqual(['colormap', 'normScope', 'opacity', 'overlay', 'rankBy', 'theme', 'topK', 'transfer', 'upsampling']);

  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('m');
  await expect(page.getByTestId('view-mode')).toHaveValue('max');
  await page.keyboard.press('c');
  await expect(page.getByTestId('colormap')).toHaveValue('inferno');
  await page.keyboard.press('t');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-help')).toBeVisible();
});
