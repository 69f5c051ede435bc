import { test, expect, _electron as electron } from '@playwright/test';
import { findElectronBinary } from '../../scripts/electronBinary.mjs';
import { waitReady } from '../fixtures/pyramid';

const found = findElectronBinary();

test.describe('desktop app: the explorer', () => {
  test.skip(!found.ok, `Electron binary not installed here (${found.ok ? '' : found.reason}); run 'npm run install-electron' where the network allows`);

  test('view controls, colour bars, probe, learn panel and compare over IPC', async () => {
    const app = await electron.launch({ executablePath: found.ok ? found.binary : undefined, args: ['.'] });
    try {
      const page = await app.firstWindow();
      await waitReady(page);
      await page.getByTestId('view-mode').selectOption('channel');
      await page.getByTestId('channel-index').fill('3');
      const bar = page.getByTestId('colorbar-1');
      await expect(bar).toHaveAttribute('data-min', /^-?[\d.e+-]+$/);
      expect(Number(await bar.getAttribute('data-max'))).toBeGreaterThan(Number(await bar.getAttribute('data-min')));
      const box = await page.getByTestId('level-2').locator('.stage').boundingBox();
      await page.mouse.move(box!.x + 40, box!.y + 40);
      await expect(page.getByTestId('cell-box-4')).toBeVisible();
      await expect(page.getByTestId('rf-box-4')).toHaveAttribute('data-width', '427');
      await page.getByTestId('learn-panel').locator('summary').click();
      await expect(page.getByTestId('learn-4-os8')).toHaveAttribute('data-dilation', '4');
      await page.getByTestId('compare-toggle').check();
      await expect(page.getByTestId('compare-status')).toHaveText('ready');
      await expect(page.getByTestId('compare-heatmap-4')).toHaveAttribute('data-height', '28');
    } finally {
      await app.close();
    }
  });
});
