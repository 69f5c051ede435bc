/**
 * Web mode's renderer is as locked down as the desktop one: a strict CSP on
 * every page, no inline script, no Node globals, and the engine's WebSocket
 * refuses pages from other origins.
 */
import { test, expect } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitReady } from '../fixtures/pyramid';
import { probeRenderer } from '../support/renderChecks';

test('every page carries the strict CSP', async ({ page }) => {
  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
});

test('injected inline script, inline handlers and eval do not run; no Node globals', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const r = await probeRenderer(page);
  expect(r.nodeGlobals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined', global: 'undefined', __dirname: 'undefined' });
  expect(r.inlineScriptRan).toBe(false);
  expect(r.inlineHandlerRan).toBe(false);
  expect(r.evalRan).toBe(false);
  expect(r.violations.some((v) => v.startsWith('script-src'))).toBe(true);
  // The app itself is unharmed.
  await expect(page.getByTestId('run-status')).toHaveText('ready');
});

/** Opens a WebSocket to the engine from the page and says whether it opened. */
const tryEngineSocket = (url: string) =>
  new Promise<string>((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onerror = () => resolve('refused');
  });

test('the engine WebSocket refuses a page from another origin', async ({ page, baseURL }) => {
  const engineSocket = `ws://${new URL(baseURL!).host}/ws`;

  // A control: the app's own page may connect.
  await page.goto('/');
  expect(await page.evaluate(tryEngineSocket, engineSocket)).toBe('open');

  // Another site on this machine (another port is another origin) may not.
  const other = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    expect(await page.evaluate(tryEngineSocket, engineSocket)).toBe('refused');
  } finally {
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
});
