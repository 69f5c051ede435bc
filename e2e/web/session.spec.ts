import { test, expect } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { serializeSafetensors } from '../../src-main/engine/weights/safetensors';

test('a window reloaded after a renderer crash reopens the same view', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-option-resnet18').click();
  await waitReady(page);
  await page.getByTestId('output-stride').selectOption('16');
  await page.getByTestId('sample-rocket').click();
  await waitReady(page);
  // Electron's main process reloads a crashed renderer at #restore (a plain reload starts fresh).
  await page.goto('about:blank');
  await page.goto('/#restore');
  await waitReady(page);
  await expect(page.getByTestId('current-model')).toHaveText('resnet18');
  await expect(page.getByTestId('output-stride')).toHaveValue('16');
  await expect(page.getByTestId('image-name')).toHaveText('rocket.jpg');
  await expect(page.getByTestId('feature-info-row-4').getByTestId('fi-reduction')).toHaveText('16');
});

test('a .safetensors file dropped on the window is taken as weights, and checked', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const bytes = Array.from(serializeSafetensors(new Map([['foo.weight', { shape: [2], data: new Float32Array([1, 2]) }]])));
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'tiny.safetensors'));
    return dt;
  }, bytes);
  await page.dispatchEvent('[data-testid="feature-info-table"]', 'drop', { dataTransfer });
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(page.getByTestId('error-message')).toContainText('weights do not fit resnet50');
  await expect(page.getByTestId('error-message')).toContainText('tiny.safetensors');
  await expect(page.getByTestId('weights-mode')).toHaveValue('file');
  await page.getByTestId('weights-mode').selectOption('random');
  await waitReady(page);
});
