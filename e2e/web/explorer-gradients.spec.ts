import { test, expect, type Page } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { canvasPixels } from '../fixtures/explorer';

async function clickInput(page: Page, panel: string, x: number, y: number): Promise<void> {
  const box = await page.getByTestId(panel).locator('.stage').boundingBox();
  if (!box) throw new Error(`${panel} has no stage`);
  await page.mouse.click(box.x + (x * box.width) / 224, box.y + (y * box.height) / 224);
}

test('clicking a map locks the probe and shows that cell\'s effective receptive field, inside the theoretical one', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await clickInput(page, 'level-1', 97, 61);
  const info = page.getByTestId('erf-info');
  await expect(info).toHaveAttribute('data-status', 'ready');
  await expect(info).toHaveAttribute('data-level', '1');
  await expect(info).toHaveAttribute('data-row', '15');
  await expect(info).toHaveAttribute('data-col', '24');
  // The gradient vanishes outside the theoretical field (35 px for ResNet-50's layer1)…
  expect(Number(await info.getAttribute('data-inside'))).toBe(1);
  // …and most of it sits in a much smaller square: the effective field.
  const side = Number(await info.getAttribute('data-side'));
  expect(side).toBeGreaterThan(1);
  expect(side).toBeLessThanOrEqual(35);
  await expect(page.getByTestId('erf-map')).toHaveAttribute('width', '224');
  const px = await canvasPixels(page.getByTestId('erf-map'));
  const opaque = px.filter((_, i) => i % 4 === 3 && px[i] > 0).length;
  expect(opaque).toBeGreaterThan(10);
  expect(opaque).toBeLessThanOrEqual(35 * 35);
  await page.getByTestId('erf-clear').click();
  await expect(page.getByTestId('erf-map')).toHaveCount(0);
});

test('Grad-CAM at forward_features for the top class, for a chosen one, and at a shallower level', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('gradcam-panel').locator('summary').click();
  await page.getByTestId('compute-gradcam').click();
  const map = page.getByTestId('gradcam-map');
  await expect(map).toHaveAttribute('data-height', '7');
  await expect(map).toHaveAttribute('data-width', '7');
  await page.getByTestId('gradcam-class').fill('281');
  await page.getByTestId('compute-gradcam').click();
  await expect(map).toHaveAttribute('data-class', '281');
  await expect(page.getByTestId('gradcam-caption')).toContainText('tabby');
  await expect(page.getByTestId('gradcam-caption')).toContainText('at forward_features (7×7)');
  // At layer2 (level 2): that level's 28×28 map, named in the caption…
  await page.getByTestId('gradcam-level').selectOption('2');
  await page.getByTestId('compute-gradcam').click();
  await expect(map).toHaveAttribute('data-level', '2');
  await expect(map).toHaveAttribute('data-height', '28');
  await expect(map).toHaveAttribute('data-width', '28');
  await expect(map).toHaveAttribute('data-class', '281');
  await expect(page.getByTestId('gradcam-caption')).toContainText('at layer2 (28×28, level 2)');
  // …placed on the input exactly where level 2's own map is.
  const box = (testId: string) => page.getByTestId(testId).evaluate((el: HTMLElement) => [el.style.left, el.style.top, el.style.width, el.style.height]);
  const placed = await box('gradcam-map');
  expect(placed[2]).toBe('224px'); // 28 cells × stride 8, on the 224 px stage
  expect(placed).toEqual(await box('heatmap-2'));
});
