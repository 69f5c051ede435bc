import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { chooseLevels, waitReady } from '../fixtures/pyramid';
import { colorbar, download, downloadNpy } from '../fixtures/explorer';
import { decodeNpy } from '../../src-shared/export/npy';

test('a level\'s .npy equals a fresh engine run of the same settings (the CLI)', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await chooseLevels(page, [1, 3], 5);
  await page.getByTestId('output-stride').selectOption('16');
  await waitReady(page);
  const ui = { 1: await downloadNpy(page, 1), 3: await downloadNpy(page, 3) };
  expect(ui[3].shape).toEqual([1, 1024, 14, 14]);

  const out = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-npy-'));
  execFileSync('npx', ['tsx', 'src-main/cli/main.ts', 'run', 'resnet50', '--image', 'resources/samples/chelsea.png', '--out', out, '--npy', '--out-indices', '1,3', '--output-stride', '16'], {
    stdio: 'pipe',
    timeout: 150_000,
  });
  for (const i of [1, 3] as const) {
    const cli = decodeNpy(new Uint8Array(readFileSync(path.join(out, `level${i}.npy`))));
    expect(cli.shape).toEqual(ui[i].shape);
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < cli.data.length; k++) {
      worst = Math.max(worst, Math.abs(cli.data[k] - ui[i].data[k]));
      scale = Math.max(scale, Math.abs(cli.data[k]));
    }
    expect(worst, `level ${i}: max |UI − CLI| over max |x| = ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
  }
});

test('the view as PNG holds every level and its colour bars; feature_info JSON matches the table', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const png = PNG.sync.read((await download(page, page.getByTestId('export-png'))).bytes);
  // Input plus five levels side by side, 224 px each.
  expect(png.width).toBeGreaterThanOrEqual(6 * 224);
  expect(png.height).toBeGreaterThan(224 + 12);
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 7) colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  expect(colours.size).toBeGreaterThan(500);

  const info = JSON.parse((await download(page, page.getByTestId('export-feature-info'))).bytes.toString('utf8')) as {
    model: string;
    outputStride: number;
    levels: Array<{ index: number; module: string; numChs: number; reduction: number; shape: number[] }>;
  };
  expect(info.model).toBe('resnet50');
  expect(info.outputStride).toBe(32);
  expect(info.levels.map((l) => l.module)).toEqual(['act1', 'layer1', 'layer2', 'layer3', 'layer4']);
  expect(info.levels[3]).toMatchObject({ numChs: 1024, reduction: 16, shape: [1024, 14, 14] });
});

test('a session file reopens the exact view in a fresh window', async ({ page, browser }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-option-resnet18').click();
  await waitReady(page);
  await chooseLevels(page, [1, 2, 4], 5);
  await page.getByTestId('output-stride').selectOption('16');
  await page.getByTestId('sample-coffee').click();
  await waitReady(page);
  await page.getByTestId('view-mode').selectOption('channel');
  await page.getByTestId('channel-index').fill('5');
  await page.getByTestId('value-sign').selectOption('relu');
  await page.getByTestId('colormap').selectOption('cividis');
  await page.getByTestId('norm-scope').selectOption('level');
  await page.getByTestId('overlay-toggle').check();
  await page.getByTestId('upsampling').selectOption('smooth');
  const bars = await Promise.all([1, 2, 4].map((i) => colorbar(page, `colorbar-${i}`)));
  const { bytes, name } = await download(page, page.getByTestId('export-session'));
  expect(name).toMatch(/resnet18.*\.json$/);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-session-')), name);
  writeFileSync(file, bytes);
  const session = JSON.parse(bytes.toString('utf8'));
  expect(session).toMatchObject({ format: 'pyramidscope-session', model: 'resnet18', settings: { outIndices: [1, 2, 4], outputStride: 16 }, image: { kind: 'sample', name: 'coffee' } });
  expect(session.preprocessing.inputSize).toEqual([224, 224]);

  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto('/');
  await waitReady(fresh);
  await fresh.getByTestId('import-session').setInputFiles(file);
  await expect(fresh.getByTestId('current-model')).toHaveText('resnet18');
  await waitReady(fresh);
  await expect(fresh.getByTestId('output-stride')).toHaveValue('16');
  await expect(fresh.getByTestId('image-name')).toHaveText('coffee.png');
  await expect(fresh.getByTestId('feature-info-table').locator('tbody tr')).toHaveCount(3);
  await expect(fresh.getByTestId('view-mode')).toHaveValue('channel');
  await expect(fresh.getByTestId('channel-index')).toHaveValue('5');
  await expect(fresh.getByTestId('value-sign')).toHaveValue('relu');
  await expect(fresh.getByTestId('colormap')).toHaveValue('cividis');
  await expect(fresh.getByTestId('norm-scope')).toHaveValue('level');
  await expect(fresh.getByTestId('overlay-toggle')).toBeChecked();
  await expect(fresh.getByTestId('upsampling')).toHaveValue('smooth');
  expect(await Promise.all([1, 2, 4].map((i) => colorbar(fresh, `colorbar-${i}`)))).toEqual(bars);

  // A broken session file is refused, naming the field.
  const bad = file.replace(/\.json$/, '.bad.json');
  writeFileSync(bad, JSON.stringify({ ...session, view: { ...session.view, colormap: 'jet' } }));
  await fresh.getByTestId('import-session').setInputFiles(bad);
  await expect(fresh.getByTestId('session-error')).toContainText('view.colormap');
});

test('copy as timm Python gives the create_model call for the current settings', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await chooseLevels(page, [1, 3], 5);
  await page.getByTestId('output-stride').selectOption('8');
  await waitReady(page);
  await page.getByTestId('copy-timm-python').click();
  const code = page.getByTestId('timm-python');
  await expect(code).toContainText("timm.create_model('resnet50', pretrained=False, features_only=True, out_indices=(1, 3), output_stride=8)");
  await expect(code).toContainText("config['input_size'] = (3, 224, 224)");
});
