/** Large inputs: a 1024×1024 ResNet-50 pyramid is held as float16, shown, and exported exactly. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { waitReady } from '../fixtures/pyramid';
import { downloadNpy } from '../fixtures/explorer';
import { decodeNpy } from '../../src-shared/export/npy';

const MiB = 2 ** 20;
/** float32 bytes of resnet50's five levels at 1024×1024: 64·512² + 256·256² + 512·128² + 1024·64² + 2048·32² values. */
const FLOAT32_BYTES = 4 * (64 * 512 ** 2 + 256 * 256 ** 2 + 512 * 128 ** 2 + 1024 * 64 ** 2 + 2048 * 32 ** 2);

async function heldBytes(page: Page): Promise<number> {
  return Number(await page.getByTestId('held-features').getAttribute('data-bytes'));
}

test('a 1024×1024 pyramid arrives as float16, is painted, and its .npy is the exact float32 features', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await waitReady(page);
  expect(await page.getByTestId('held-features').textContent()).toContain('float32'); // 224: exact, 9 MiB

  await page.getByTestId('input-size').fill('1024');
  await expect(page.getByTestId('level-4')).toContainText('2048×32×32', { timeout: 120_000 });
  await waitReady(page);
  await expect(page.getByTestId('held-features')).toContainText('float16');
  expect(await heldBytes(page)).toBe(FLOAT32_BYTES / 2);
  for (let i = 0; i < 5; i++) await expect(page.getByTestId(`level-${i}`)).toHaveAttribute('data-dtype', 'float16');
  // The finest level's mean map is painted from the float16 values: many distinct colours.
  const colours = await page.getByTestId('heatmap-0').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
  expect(colours).toBeGreaterThan(100);

  const ui = await downloadNpy(page, 4);
  expect(ui.shape).toEqual([1, 2048, 32, 32]);
  const out = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-npy-'));
  execFileSync('npx', ['tsx', 'src-main/cli/main.ts', 'run', 'resnet50', '--image', 'resources/samples/chelsea.png', '--out', out, '--npy', '--out-indices', '4', '--input-size', '1024'], {
    stdio: 'pipe',
    timeout: 180_000,
  });
  const cli = decodeNpy(new Uint8Array(readFileSync(path.join(out, 'level4.npy'))));
  let worst = 0;
  let scale = 0;
  for (let k = 0; k < cli.data.length; k++) {
    worst = Math.max(worst, Math.abs(cli.data[k] - ui.data[k]));
    scale = Math.max(scale, Math.abs(cli.data[k]));
  }
  // Exact float32 (float16 would be off by up to 2^-11 of each value).
  expect(worst, `max |UI − CLI| over max |x| = ${scale}`).toBeLessThanOrEqual(1e-5 * scale);

  // The user can ask for exact float32 anyway: twice the memory.
  await page.getByTestId('transfer-precision').selectOption('float32');
  await expect(page.getByTestId('held-features')).toContainText('float32', { timeout: 120_000 });
  expect(await heldBytes(page)).toBe(FLOAT32_BYTES);
  expect(FLOAT32_BYTES / MiB).toBeCloseTo(184, 0);
});
