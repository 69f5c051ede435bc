import { test, expect } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';

// The engine's HF_ENDPOINT points at e2e/support/fakeHub.ts on loopback.
test('pretrained weights download with progress, label every map, and predict', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await expect(page.getByTestId('weights-label')).toHaveText('random init (formula-v1)');
  await page.getByTestId('model-option-resnet18').click();
  await waitReady(page);
  await page.getByTestId('weights-mode').selectOption('pretrained');
  await expect(page.getByTestId('download-progress')).toBeVisible();
  await waitReady(page);
  await expect(page.getByTestId('download-progress')).toHaveCount(0);
  await expect(page.getByTestId('weights-tag')).toHaveValue('resnet18.a1_in1k');
  await expect(page.getByTestId('weights-label')).toHaveText('resnet18.a1_in1k (pretrained)');
  await expect(page.getByTestId('predictions').locator('li')).toHaveCount(5);
  await page.getByTestId('weights-cache').locator('summary').click();
  await expect(page.getByTestId('weights-cache')).toContainText('timm/resnet18.a1_in1k');
});

test('a download can be cancelled, leaving the app working', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-option-resnet34').click();
  await waitReady(page);
  await page.getByTestId('weights-mode').selectOption('pretrained');
  const progress = page.getByTestId('download-progress');
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('data-bytes'))).toBeGreaterThan(0);
  await page.getByTestId('download-cancel').click();
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(page.getByTestId('error-message')).toContainText(/cancel/i);
  await page.getByTestId('weights-mode').selectOption('random');
  await waitReady(page);
  await expect(page.getByTestId('weights-label')).toHaveText('random init (formula-v1)');
});
