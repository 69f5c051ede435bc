import { defineConfig } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Two projects over one UI (as Netron does): 'web' drives the real renderer
// against the real engine through web mode in Debian's Chromium; 'electron'
// launches the desktop app and skips, saying why, where no Electron binary exists.
const PORT = Number(process.env.PYRAMIDSCOPE_E2E_PORT ?? 5299);
// A loopback server plays the weights hub; the engine caches into a fresh folder.
const HUB_PORT = PORT + 100;
const HF_HUB_CACHE = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-e2e-hub-'));
// Local weights files the tests load are kept here, not in the user's cache.
const PYRAMIDSCOPE_WEIGHTS_DIR = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-e2e-local-weights-'));
const chromium = process.env.PYRAMIDSCOPE_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  use: { trace: 'off', screenshot: 'only-on-failure' },
  webServer: [
    {
      command: `npx tsx e2e/support/fakeHub.ts --port ${HUB_PORT}`,
      port: HUB_PORT,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `node out/main/server.js --port ${PORT}`,
      url: `http://127.0.0.1:${PORT}/`,
      reuseExistingServer: false,
      stdout: 'pipe',
      timeout: 60_000,
      // PYRAMIDSCOPE_TEST_HOOKS: the crash hook e2e/web/faults.spec.ts uses (off in every other server).
      env: { HF_ENDPOINT: `http://127.0.0.1:${HUB_PORT}`, HF_HUB_CACHE, HF_TOKEN: '', PYRAMIDSCOPE_TEST_HOOKS: '1', PYRAMIDSCOPE_WEIGHTS_DIR },
    },
  ],
  projects: [
    {
      name: 'web',
      testMatch: /web\/.*\.spec\.ts/,
      use: {
        baseURL: `http://127.0.0.1:${PORT}/`,
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromium,
          args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts/ },
    // The test kit's own suite (docs/testing.md): each test starts its own web-mode server through pyramidscope/testkit.
    { name: 'kit', testMatch: /kit\/.*\.spec\.ts/ },
  ],
});
