import { test, expect, type Page } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { colorbar, downloadNpy } from '../fixtures/explorer';

/** Moves the pointer to input pixel (x, y) on a panel's stage (every stage spans the input). */
async function hoverInput(page: Page, panel: string, x: number, y: number): Promise<void> {
  const box = await page.getByTestId(panel).locator('.stage').boundingBox();
  if (!box) throw new Error(`${panel} has no stage`);
  await page.mouse.move(box.x + (x * box.width) / 224, box.y + (y * box.height) / 224);
}

const cellOf = async (page: Page, id: string) => [Number(await page.getByTestId(id).getAttribute('data-row')), Number(await page.getByTestId(id).getAttribute('data-col'))];

test('hovering one map highlights the matching cell in every level, reads values out and draws receptive fields', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const npy2 = await downloadNpy(page, 2);
  await page.getByTestId('view-mode').selectOption('channel');
  await page.getByTestId('channel-index').fill('4');
  await hoverInput(page, 'level-2', 97, 61);
  // Cell centres sit at row·stride, col·stride (ResNet's symmetric padding); nearest cell per level.
  const expected: Record<number, number[]> = { 0: [30, 48], 1: [15, 24], 2: [8, 12], 3: [4, 6], 4: [2, 3] };
  for (const [i, cell] of Object.entries(expected)) {
    expect(await cellOf(page, `cell-box-${i}`), `level ${i}`).toEqual(cell);
    expect(await cellOf(page, `probe-level-${i}`), `readout ${i}`).toEqual(cell);
  }
  const [, c, h, w] = npy2.shape;
  expect(Number(await page.getByTestId('probe-level-2').getAttribute('data-value'))).toBe(npy2.data[4 * h * w + 8 * w + 12]);
  let best = 0;
  for (let k = 1; k < c; k++) if (npy2.data[k * h * w + 8 * w + 12] > npy2.data[best * h * w + 8 * w + 12]) best = k;
  await expect(page.getByTestId('probe-level-2').locator('.chip').first()).toHaveAttribute('data-testid', `probe-top-2-${best}`);

  // Theoretical receptive fields, from the model's structure: ResNet-50's 91 px at level 2, 427 px at level 4.
  await expect(page.getByTestId('rf-box-2')).toHaveAttribute('data-width', '91');
  await expect(page.getByTestId('rf-box-4')).toHaveAttribute('data-width', '427');
  await expect(page.getByTestId('rf-box-4')).toHaveAttribute('data-x', String(3 * 32 + 0.5 - 427 / 2));

  // Hovering the input itself drives the same probe; a click locks it.
  await hoverInput(page, 'input-panel', 200, 20);
  expect(await cellOf(page, 'cell-box-4')).toEqual([1, 6]);
  await page.mouse.down();
  await page.mouse.up();
  await hoverInput(page, 'level-1', 10, 10);
  expect(await cellOf(page, 'cell-box-4')).toEqual([1, 6]);
  await expect(page.getByTestId('probe-position')).toContainText('locked');
});

test('compare: output_stride 32 against 8, synced cursor, shared colour scale, difference where shapes agree', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('compare-toggle').check();
  await expect(page.getByTestId('compare-output-stride')).toHaveValue('8');
  await expect(page.getByTestId('compare-status')).toHaveText('ready');
  await expect(page.getByTestId('compare-heatmap-4')).toHaveAttribute('data-height', '28');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-height', '7');
  // Levels 0–2 do not dilate at stride 8: same shapes, so a difference map; 3 and 4 differ in size.
  for (const i of [0, 1, 2]) await expect(page.getByTestId(`diff-${i}`)).toBeVisible();
  for (const i of [3, 4]) await expect(page.getByTestId(`diff-${i}`)).toHaveCount(0);
  // Levels 0–2 compute the same numbers at both strides: A − B is exactly zero.
  expect(await colorbar(page, 'diff-colorbar-1')).toEqual({ min: 0, max: 0 });
  for (const i of [3, 4]) expect(await colorbar(page, `compare-colorbar-${i}`)).toEqual(await colorbar(page, `colorbar-${i}`));

  await hoverInput(page, 'level-2', 97, 61);
  expect(await cellOf(page, 'compare-cell-box-2')).toEqual([8, 12]);
  expect(await cellOf(page, 'compare-cell-box-4')).toEqual([8, 12]);
  expect(await cellOf(page, 'cell-box-4')).toEqual([2, 3]);

  // Another image in pane B: the difference compares images.
  await page.getByTestId('compare-output-stride').selectOption('32');
  await page.getByTestId('compare-sample').selectOption('astronaut');
  await expect(page.getByTestId('compare-status')).toHaveText('ready');
  await expect(page.getByTestId('diff-4')).toBeVisible();
  const d = await colorbar(page, 'diff-colorbar-4');
  expect(d.max).toBeGreaterThan(0);
  await page.getByTestId('compare-shared-scale').uncheck();
  expect(await colorbar(page, 'compare-colorbar-4')).not.toEqual(await colorbar(page, 'colorbar-4'));
});
