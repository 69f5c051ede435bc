import { test, expect } from '@playwright/test';
import { chooseLevels, waitReady } from '../fixtures/pyramid';

test('default model and sample show heatmaps on start', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await expect(page.getByTestId('current-model')).toHaveText('resnet50');
  await expect(page.getByTestId('backend')).not.toHaveText('…');
  await expect(page.getByTestId('feature-info-table').locator('tbody tr')).toHaveCount(5);
  await expect(page.getByTestId('heatmap-0')).toHaveAttribute('data-height', '112');
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-width', '7');
});

test('resnet50, out_indices (1, 3), output_stride 16 on a sample', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-search').fill('resnet5');
  await expect(page.getByTestId('model-option-resnet18')).toHaveCount(0);
  await page.getByTestId('model-option-resnet50').click();
  await expect(page.getByTestId('current-model')).toHaveText('resnet50');
  await chooseLevels(page, [1, 3], 5);
  await page.getByTestId('output-stride').selectOption('16');
  await page.getByTestId('sample-coffee').click();
  await waitReady(page);

  const table = page.getByTestId('feature-info-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  const row1 = page.getByTestId('feature-info-row-1');
  const row3 = page.getByTestId('feature-info-row-3');
  await expect(row1.getByTestId('fi-module')).toHaveText('layer1');
  await expect(row1.getByTestId('fi-channels')).toHaveText('256');
  await expect(row1.getByTestId('fi-reduction')).toHaveText('4');
  await expect(row1.getByTestId('fi-shape')).toHaveText('256×56×56');
  await expect(row3.getByTestId('fi-module')).toHaveText('layer3');
  await expect(row3.getByTestId('fi-channels')).toHaveText('1024');
  await expect(row3.getByTestId('fi-reduction')).toHaveText('16');
  await expect(row3.getByTestId('fi-shape')).toHaveText('1024×14×14');

  await expect(page.getByTestId('level-1')).toBeVisible();
  await expect(page.getByTestId('level-0')).toHaveCount(0);
  await expect(page.getByTestId('heatmap-1')).toHaveAttribute('data-height', '56');
  await expect(page.getByTestId('heatmap-1')).toHaveAttribute('data-width', '56');
  await expect(page.getByTestId('heatmap-3')).toHaveAttribute('data-height', '14');
  await expect(page.getByTestId('heatmap-3')).toHaveAttribute('data-width', '14');
});

test('output strides a model cannot do are disabled', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-search').fill('densenet121');
  await page.getByTestId('model-option-densenet121').click();
  await waitReady(page);
  const select = page.getByTestId('output-stride');
  await expect(select.locator('option[value="32"]')).toBeEnabled();
  await expect(select.locator('option[value="16"]')).toBeDisabled();
  await expect(select.locator('option[value="8"]')).toBeDisabled();
});

test('a corrupt image is refused with a specific error and the app keeps working', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('image-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not a picture\n') });
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(page.getByTestId('error-message')).toContainText('notes.png');
  await page.getByTestId('sample-astronaut').click();
  await waitReady(page);
  await expect(page.getByTestId('heatmap-0')).toBeVisible();
});
