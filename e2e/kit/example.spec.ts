// The example suite of docs/testing.md: written only against pyramidscope/testkit.
import { test, expect, launchPyramidscope, findElectron } from 'pyramidscope/testkit';

test('the app starts on resnet50 with five levels', async ({ pyramidscope: app }) => {
  const state = await app.state();
  expect(state.model).toBe('resnet50');
  const rows = await app.featureInfo();
  expect(rows.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
  expect(rows[0]).toEqual({ index: 0, module: 'act1', channels: 64, reduction: 2, shape: [64, 112, 112] });
});

test('resnet50, out_indices (1, 3), output_stride 16', async ({ pyramidscope: app }) => {
  await app.selectModel('resnet50');
  await app.setOutIndices([1, 3]);
  await app.setOutputStride(16);
  await app.loadSample('coffee');
  await app.waitForReady();

  expect(await app.featureInfo()).toEqual([
    { index: 1, module: 'layer1', channels: 256, reduction: 4, shape: [256, 56, 56] },
    { index: 3, module: 'layer3', channels: 1024, reduction: 16, shape: [1024, 14, 14] },
  ]);
  const level3 = await app.level(3);
  expect(level3.shape).toEqual([1024, 14, 14]);
  expect(level3.min).toBeLessThanOrEqual(level3.mean);
  expect(level3.mean).toBeLessThanOrEqual(level3.max);
  expect(level3.checksum).toMatch(/^[0-9a-f]{8}$/);
});

test('the same settings twice give the same checksum', async ({ pyramidscope: app }) => {
  await app.setOutIndices([2, 4]);
  await app.setInputSize(160);
  await app.loadSample('coffee');
  const first = await app.level(4);
  await app.loadSample('rocket');
  const other = await app.level(4);
  await app.loadSample('coffee');
  const again = await app.level(4);

  expect(first.shape).toEqual([2048, 5, 5]);
  expect(again).toEqual(first);
  expect(other.checksum).not.toBe(first.checksum);
});

test('a non-square input and a view change (the view never re-runs the model)', async ({ pyramidscope: app }) => {
  await app.setInputSize([128, 192]);
  const before = await app.level(4);
  expect(before.shape).toEqual([2048, 4, 6]);

  await app.setView({ mode: 'channel', channel: 7, colormap: 'magma', norm: 'level' });
  const after = await app.level(4);
  expect(after.checksum).toBe(before.checksum); // same features
  expect(after.map?.shape).toEqual([4, 6]);
  expect(after.map?.checksum).not.toBe(before.map?.checksum); // channel 7, not the mean
  const state = await app.state();
  expect(state.view).toMatchObject({ mode: 'channel', channel: 7, colormap: 'magma', norm: 'level' });
});

test('launchPyramidscope for a custom set-up; Electron says why it cannot start', async () => {
  const { page, app, close } = await launchPyramidscope({ colorScheme: 'dark' });
  try {
    expect(app.mode).toBe('web');
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(page.getByTestId('run-status')).toHaveText('ready');
  } finally {
    await close();
  }
  const electron = findElectron();
  test.skip(electron.ok, 'an Electron binary is installed here: the desktop path is covered by e2e/electron');
  await expect(launchPyramidscope({ mode: 'electron' })).rejects.toThrow(/cannot start the desktop app: .*Electron|electron/);
});
