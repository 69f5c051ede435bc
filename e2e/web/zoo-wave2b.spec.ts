/**
 * Wave-2b backbones as a user meets them: HRNet, whose levels are parallel
 * branches finishing together (the table and the level headers say so), with its
 * input-size rule shown and checked in the field before anything runs; and
 * Inception-v3 at its own 299, whose unpadded convs give the odd map sizes
 * 147/71/35/17/8. Real engine behind the real contract (web mode).
 */
import { expect, test, type Page } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';

async function pick(page: Page, model: string): Promise<void> {
  await page.getByTestId('model-search').fill(model);
  await page.getByTestId(`model-option-${model}`).click();
  await expect(page.getByTestId('current-model')).toHaveText(model);
}

/** The table shows this model's first level (the previous model's 'ready' does not count). */
async function waitFor(page: Page, module0: string): Promise<void> {
  await expect(page.getByTestId('feature-info-row-0').getByTestId('fi-module')).toHaveText(module0, { timeout: 180_000 });
  await waitReady(page);
}

async function expectRow(page: Page, i: number, module: string, shape: string): Promise<void> {
  const row = page.getByTestId(`feature-info-row-${i}`);
  await expect(row.getByTestId('fi-module')).toHaveText(module);
  await expect(row.getByTestId('fi-shape')).toHaveText(shape);
}

test('hrnet_w18_small: four parallel branches after the stem, and only input sizes its fuse layers can line up', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitReady(page);
  await pick(page, 'hrnet_w18_small');
  await waitFor(page, 'stem');
  await expect(page.getByTestId('feature-info-table').locator('tbody tr')).toHaveCount(5);
  await expectRow(page, 0, 'stem', '64×112×112');
  await expectRow(page, 1, 'stage1', '128×56×56');
  await expectRow(page, 4, 'stage4', '1024×7×7');
  await expect(page.getByTestId('feature-info-row-0').getByTestId('fi-branch')).toHaveText('—');
  for (const b of [0, 1, 2, 3]) await expect(page.getByTestId(`feature-info-row-${b + 1}`).getByTestId('fi-branch')).toHaveText(`parallel ${b}`);
  await expect(page.getByTestId('fi-parallel-note')).toContainText('4 levels are parallel branches');
  await expect(page.getByTestId('level-branch-2')).toHaveText(/parallel branch 1/);
  await expect(page.getByTestId('input-size-rule')).toContainText('⌈side / 4⌉ a multiple of 8');

  // A size HRNet cannot run is refused in the field, naming the nearest sides that fit; the shown pyramid stays.
  await page.getByTestId('input-size').fill('97x129');
  await expect(page.locator('#input-size-error')).toContainText('97 → 96 or 125; 129 → 128 or 157');
  await expect(page.getByTestId('run-status')).toHaveText('ready');
  await expect(page.getByTestId('heatmap-1')).toHaveAttribute('data-height', '56');

  // One that fits runs: 96×128 → stride-4 branch 24×32.
  await page.getByTestId('input-size').fill('96x128');
  await expect(page.getByTestId('feature-info-row-1').getByTestId('fi-shape')).toHaveText('128×24×32', { timeout: 120_000 });
  await waitReady(page);
  await expectRow(page, 4, 'stage4', '1024×3×4');
});

test('inception_v3 at 299: valid convs give 147, 71, 35, 17, 8', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitReady(page);
  await pick(page, 'inception_v3');
  await waitFor(page, 'Conv2d_2b_3x3');
  await expect(page.getByTestId('feature-info-table').locator('tbody tr')).toHaveCount(5);
  await expectRow(page, 0, 'Conv2d_2b_3x3', '64×147×147');
  await expectRow(page, 1, 'Conv2d_4a_3x3', '192×71×71');
  await expectRow(page, 2, 'Mixed_5d', '288×35×35');
  await expectRow(page, 3, 'Mixed_6e', '768×17×17');
  await expectRow(page, 4, 'Mixed_7c', '2048×8×8');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-width', '8');
  await expect(page.getByTestId('input-size-rule')).toContainText('at least 75 px a side');
});
