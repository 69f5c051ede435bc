/**
 * Wave-2 backbones as a user meets them: ConvNeXt at output_stride 16 (its last
 * downsample dilates with timm's 'same' padding) and a TF-ported EfficientNet at
 * a non-square 241×199 input (asymmetric 'same' padding everywhere). The table
 * and the maps come from the engine whose numbers the goldens hold to timm; the
 * .npy of a level equals a fresh CLI run of the same settings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chooseLevels, waitReady } from '../fixtures/pyramid';
import { downloadNpy } from '../fixtures/explorer';
import { decodeNpy } from '../../src-shared/export/npy';

async function pick(page: Page, model: string): Promise<void> {
  await page.getByTestId('model-search').fill(model);
  await page.getByTestId(`model-option-${model}`).click();
  await expect(page.getByTestId('current-model')).toHaveText(model);
}

async function expectRow(page: Page, i: number, module: string, channels: number, reduction: number, shape: string): Promise<void> {
  const row = page.getByTestId(`feature-info-row-${i}`);
  await expect(row.getByTestId('fi-module')).toHaveText(module);
  await expect(row.getByTestId('fi-channels')).toHaveText(String(channels));
  await expect(row.getByTestId('fi-reduction')).toHaveText(String(reduction));
  await expect(row.getByTestId('fi-shape')).toHaveText(shape);
}

function cliLevel(model: string, level: number, extra: string[]): ReturnType<typeof decodeNpy> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-wave2-'));
  execFileSync('npx', ['tsx', 'src-main/cli/main.ts', 'run', model, '--image', 'resources/samples/chelsea.png', '--out', out, '--npy', '--out-indices', String(level), ...extra], { stdio: 'pipe', timeout: 180_000 });
  return decodeNpy(new Uint8Array(readFileSync(path.join(out, `level${level}.npy`))));
}

function expectSameValues(ui: ReturnType<typeof decodeNpy>, cli: ReturnType<typeof decodeNpy>): void {
  expect(ui.shape).toEqual(cli.shape);
  let worst = 0;
  let scale = 0;
  for (let k = 0; k < cli.data.length; k++) {
    worst = Math.max(worst, Math.abs(cli.data[k] - ui.data[k]));
    scale = Math.max(scale, Math.abs(cli.data[k]));
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst, `max |UI − CLI| over max |x| = ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
}

test('convnext_tiny at output_stride 16: stages.3 keeps stride 16 and 14×14 maps', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitReady(page);
  await pick(page, 'convnext_tiny');
  await page.getByTestId('output-stride').selectOption('16');
  await waitReady(page);
  await expect(page.getByTestId('feature-info-table').locator('tbody tr')).toHaveCount(4);
  await expectRow(page, 0, 'stages.0', 96, 4, '96×56×56');
  await expectRow(page, 2, 'stages.2', 384, 16, '384×14×14');
  await expectRow(page, 3, 'stages.3', 768, 16, '768×14×14');
  await expect(page.getByTestId('heatmap-3')).toHaveAttribute('data-height', '14');
  await expect(page.getByTestId('heatmap-3')).toHaveAttribute('data-width', '14');
  expectSameValues(await downloadNpy(page, 3), cliLevel('convnext_tiny', 3, ['--output-stride', '16']));
});

test('tf_efficientnet_b0 at 241×199: ceil(size / stride) maps from TF same padding', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitReady(page);
  await pick(page, 'tf_efficientnet_b0');
  await page.getByTestId('input-size').fill('241x199');
  await waitReady(page);
  await chooseLevels(page, [0, 1, 2, 3, 4], 5);
  await waitReady(page);
  await expectRow(page, 0, 'blocks.0', 16, 2, '16×121×100');
  await expectRow(page, 1, 'blocks.1', 24, 4, '24×61×50');
  await expectRow(page, 2, 'blocks.2', 40, 8, '40×31×25');
  await expectRow(page, 3, 'blocks.4', 112, 16, '112×16×13');
  await expectRow(page, 4, 'blocks.6', 320, 32, '320×8×7');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-height', '8');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-width', '7');
  expectSameValues(await downloadNpy(page, 2), cliLevel('tf_efficientnet_b0', 2, ['--input-size', '241x199']));

  // Text that is not a size is marked and changes nothing.
  await page.getByTestId('input-size').fill('241 by 199');
  await expect(page.getByTestId('input-size')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert')).toContainText('not a size');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-height', '8');
});
