import { test, expect, _electron as electron } from '@playwright/test';
import { findElectronBinary } from '../../scripts/electronBinary.mjs';
import { chooseLevels, waitReady } from '../fixtures/pyramid';

const found = findElectronBinary();
if (!found.ok) console.log(`[e2e electron] skipped: ${found.reason}; install it with 'npm run install-electron' where the network allows`);

test.describe('desktop app', () => {
  test.skip(!found.ok, `Electron binary not installed here (${found.ok ? '' : found.reason}); run 'npm run install-electron' where the network allows`);

  test('resnet50, out_indices (1, 3), output_stride 16 on a sample', async () => {
    const app = await electron.launch({ executablePath: found.ok ? found.binary : undefined, args: ['.'] });
    try {
      const page = await app.firstWindow();
      await waitReady(page);
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      await page.getByTestId('model-option-resnet50').click();
      await chooseLevels(page, [1, 3], 5);
      await page.getByTestId('output-stride').selectOption('16');
      await page.getByTestId('sample-coffee').click();
      await waitReady(page);
      await expect(page.getByTestId('feature-info-row-1').getByTestId('fi-channels')).toHaveText('256');
      await expect(page.getByTestId('feature-info-row-3').getByTestId('fi-reduction')).toHaveText('16');
      await expect(page.getByTestId('heatmap-3')).toHaveAttribute('data-height', '14');
    } finally {
      await app.close();
    }
  });
});
