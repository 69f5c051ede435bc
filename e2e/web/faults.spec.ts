/**
 * The engine dies mid-run (as an out-of-memory kill would): the UI shows the
 * error, the engine restarts, and the next run works. The crash comes through
 * the server's test hook, on only because playwright.config.ts sets
 * PYRAMIDSCOPE_TEST_HOOKS=1 for the e2e server.
 */
import { test, expect } from '@playwright/test';
import WebSocket from 'ws';
import { waitReady } from '../fixtures/pyramid';
import { decodeFrame, encodeFrame } from '../../src-shared/wire';

/** Sends the test hook's crash over a WebSocket of its own, as the app's origin. */
async function crashEngine(baseURL: string): Promise<void> {
  const origin = new URL(baseURL).origin;
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws`, { origin });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<{ ok: boolean; error?: { message: string } }>((resolve) => ws.once('message', (d: Buffer) => resolve(decodeFrame(new Uint8Array(d)) as { ok: boolean })));
    ws.send(encodeFrame({ id: 1, channel: 'test:crash-engine', payload: {} }));
    const r = await reply;
    if (!r.ok) throw new Error(`the crash hook was refused: ${r.error?.message}; is PYRAMIDSCOPE_TEST_HOOKS=1 set for the e2e server?`);
  } finally {
    ws.close();
  }
}

test('an engine crash mid-run shows the error, and the next run works', async ({ page, baseURL }) => {
  await page.goto('/');
  await waitReady(page);
  // A run big enough to still be going when the crash comes.
  await page.getByTestId('input-size').fill('2048');
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await crashEngine(baseURL!);
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(page.getByTestId('error-message')).toContainText('the engine restarts on the next request');

  await page.getByTestId('input-size').fill('128');
  await waitReady(page);
  await expect(page.getByTestId('heatmap-4')).toHaveAttribute('data-height', '4');
  await page.getByTestId('sample-coffee').click();
  await waitReady(page);
  await expect(page.getByTestId('image-name')).toContainText('coffee');
});
