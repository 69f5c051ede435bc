/**
 * The desktop renderer's side of the Electron hardening: no Node, the CSP
 * blocks injected script, the preload exposes the contract's functions only,
 * and the page can neither open windows nor navigate away. Skipped, saying
 * why, where no Electron binary is installed.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { findElectronBinary } from '../../scripts/electronBinary.mjs';
import { waitReady } from '../fixtures/pyramid';
import { probeRenderer } from '../support/renderChecks';
import { PRELOAD_FUNCTIONS } from '../../src-shared/preloadApi';
import { readFileSync } from 'node:fs';

const found = findElectronBinary();
if (!found.ok) console.log(`[e2e electron] security checks skipped: ${found.reason}; install it with 'npm run install-electron' where the network allows`);

test.describe('desktop renderer security', () => {
  test.skip(!found.ok, `Electron binary not installed here (${found.ok ? '' : found.reason}); run 'npm run install-electron' where the network allows`);

  test('no Node globals, no injected script, contract functions only, no new windows or navigation', async () => {
    const app = await electron.launch({ executablePath: found.ok ? found.binary : undefined, args: ['.'] });
    try {
      // The binary under test is the major package.json asks for (a supported one: npm run check:support).
      const wanted = /\d+/.exec(JSON.parse(readFileSync('package.json', 'utf8')).devDependencies.electron)?.[0];
      const running = await app.evaluate(() => process.versions.electron);
      expect(running.split('.')[0]).toBe(wanted);

      const page = await app.firstWindow();
      await waitReady(page);
      expect(page.url()).toMatch(/^app:\/\/pyramidscope\//);

      const r = await probeRenderer(page);
      expect(r.nodeGlobals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined', global: 'undefined', __dirname: 'undefined' });
      expect(r.inlineScriptRan).toBe(false);
      expect(r.inlineHandlerRan).toBe(false);
      expect(r.evalRan).toBe(false);

      const api = await page.evaluate(() => Object.keys((window as unknown as { pyramidscope: object }).pyramidscope).sort());
      expect(api).toEqual([...Object.values(PRELOAD_FUNCTIONS), 'onEvent'].sort());

      // window.open gives no window; navigating away is cancelled.
      expect(await page.evaluate(() => window.open('https://evil.example/') === null)).toBe(true);
      await page.evaluate(() => {
        location.href = 'https://evil.example/';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^app:\/\/pyramidscope\//);
      expect(app.windows()).toHaveLength(1);
      await expect(page.getByTestId('run-status')).toHaveText('ready');
    } finally {
      await app.close();
    }
  });
});
