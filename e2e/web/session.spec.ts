import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitReady } from '../fixtures/pyramid';
import { colorbar, download } from '../fixtures/explorer';
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

test('a local weights file is loaded once, kept by the engine, and a session file reopens it by sha256', async ({ page, browser }) => {
  await page.goto('/');
  await waitReady(page);
  await page.getByTestId('model-option-regnetx_002').click();
  await waitReady(page);
  const random = await colorbar(page, 'colorbar-4');
  // Weights that are not random init: the formula's, halved.
  const weightsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-weights-')), 'halved.safetensors');
  execFileSync('npx', ['tsx', 'e2e/support/writeWeights.ts', 'regnetx_002', '0.5', weightsFile], { stdio: 'pipe', timeout: 120_000 });
  await page.getByTestId('weights-file').setInputFiles({ name: 'halved.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(weightsFile) });
  await expect(page.getByTestId('weights-label')).toHaveText('halved.safetensors (local file)');
  await waitReady(page);
  const halved = await colorbar(page, 'colorbar-4');
  expect(halved).not.toEqual(random);
  // The engine keeps it: the cache lists it by its hash.
  await page.getByTestId('weights-cache').locator('summary').click();
  const item = page.getByTestId('local-weights-item').filter({ hasText: 'halved.safetensors' });
  await expect(item).toHaveAttribute('data-in-use', 'true');
  const sha256 = await item.getAttribute('data-sha256');
  expect(sha256).toMatch(/^[0-9a-f]{64}$/);

  const { bytes, name } = await download(page, page.getByTestId('export-session'));
  const session = JSON.parse(bytes.toString('utf8'));
  expect(session.weights).toMatchObject({ kind: 'file', name: 'halved.safetensors', sha256 });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-session-')), name);
  writeFileSync(file, bytes);

  // A fresh window, no file chosen: the session names the weights by hash and the engine has them.
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto('/');
  await waitReady(fresh);
  await fresh.getByTestId('import-session').setInputFiles(file);
  await expect(fresh.getByTestId('weights-label')).toHaveText('halved.safetensors (local file)');
  await waitReady(fresh);
  expect(await colorbar(fresh, 'colorbar-4')).toEqual(halved);
});
