/**
 * Web mode's limits, on a real loopback server with the real engine behind it:
 * over-size WebSocket frames, long URLs, big headers and request bodies are
 * refused, and the server keeps serving; the crash hook exists only when asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { EngineHost, workerSpawner } from '../engine/host/engineHost';
import { MAX_HEADER_BYTES, MAX_URL_LENGTH, TEST_CRASH_CHANNEL, isAllowedHostHeader, startWebServer, type RunningServer } from './webServer';
import { encodeFrame } from '../../src-shared/wire';
import { call, nextReply } from '../testing/wsReplies';

const MAX_MESSAGE = 1024 * 1024;
let host: EngineHost;
let server: RunningServer;
let hooked: RunningServer;

beforeAll(async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-ui-'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  host = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url) }) });
  server = await startWebServer({ engine: host, rendererDir: root, port: 0, maxMessageBytes: MAX_MESSAGE });
  hooked = await startWebServer({ engine: host, rendererDir: root, port: 0, testHooks: true });
});

afterAll(async () => {
  await server?.close();
  await hooked?.close();
  await host?.close();
});

function request(o: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: o.method ?? 'GET', path: o.path ?? '/', headers: o.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // The server may close before the body is sent; the status has arrived by then.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(o.body);
  });
}

function connect(s: RunningServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { origin: `http://127.0.0.1:${s.port}` });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}



describe('WebSocket size cap', () => {
  it('closes a connection that sends an over-size frame (1009) and keeps serving others', async () => {
    const ws = await connect(server);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    const bytes = new Uint8Array(MAX_MESSAGE + 1024);
    ws.send(encodeFrame({ id: 1, channel: 'features:compute', payload: { model: 'resnet18', image: { kind: 'file', name: 'big.png', bytes } } }));
    expect(await closed).toBe(1009);

    const again = await connect(server);
    try {
      const r = await call(again, 2, 'features:compute', { model: 'resnet18', inputSize: 32, image: { kind: 'sample', name: 'coffee' } });
      expect(r.ok).toBe(true);
    } finally {
      again.close();
    }
  });

  it('answers frames it cannot read with BAD_FRAME on the same connection', async () => {
    const ws = await connect(server);
    try {
      ws.send('{"id":1,"channel":"engine:info"}');
      expect((await nextReply(ws)).error).toMatchObject({ code: 'BAD_FRAME', message: 'messages must be binary frames' });
      ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
      expect((await nextReply(ws)).error?.code).toBe('BAD_FRAME');
      ws.send(encodeFrame(null));
      expect((await nextReply(ws)).error).toMatchObject({ code: 'BAD_FRAME', message: 'a frame must hold an object { id, channel, payload }' });
      expect((await call(ws, 9, 'engine:info', {})).ok).toBe(true);
    } finally {
      ws.close();
    }
  });
});

describe('HTTP limits', () => {
  it.each([
    ['a URL over the limit', { path: '/' + 'a'.repeat(MAX_URL_LENGTH) }, 414],
    ['headers over the limit', { headers: { 'X-Padding': 'a'.repeat(MAX_HEADER_BYTES + 1) } }, 431],
    ['a POST with a body', { method: 'POST', body: Buffer.alloc(1024 * 1024) }, 405],
    ['a PUT', { method: 'PUT', body: Buffer.from('x') }, 405],
    ['a GET with a body', { method: 'GET', headers: { 'Content-Length': 64 * 1024 }, body: Buffer.alloc(64 * 1024) }, 413],
    ['a GET with a chunked body', { method: 'GET', headers: { 'Transfer-Encoding': 'chunked' }, body: Buffer.from('abc') }, 413],
  ])('refuses %s (%#) and keeps serving', async (_label, o, status) => {
    expect(await request(o)).toBe(status);
    expect(await request({ path: '/' })).toBe(200);
  });

  it('serves a URL just under the limit', async () => {
    expect(await request({ path: '/?' + 'a'.repeat(MAX_URL_LENGTH - 2) })).toBe(200);
  });
});

describe('test hooks', () => {
  it('are refused unless the server was started with them', async () => {
    const ws = await connect(server);
    try {
      const restarts = host.restartCount;
      const r = await call(ws, 1, TEST_CRASH_CHANNEL, {});
      expect(r.error?.code).toBe('UNKNOWN_CHANNEL');
      expect(r.error?.message).toContain(`unknown channel '${TEST_CRASH_CHANNEL}'`);
      expect(host.restartCount).toBe(restarts);
    } finally {
      ws.close();
    }
  });

  it('with testHooks, crash the engine mid-request: the call fails cleanly and the next one works', async () => {
    const ws = await connect(hooked);
    try {
      await call(ws, 1, 'engine:info', {});
      const restarts = host.restartCount;
      const inFlight = call(ws, 2, 'features:compute', { model: 'resnet50', inputSize: 320, image: { kind: 'sample', name: 'astronaut' } });
      await new Promise((r) => setTimeout(r, 200));
      expect((await call(ws, 3, TEST_CRASH_CHANNEL, {})).ok).toBe(true);
      const failed = await inFlight;
      expect(failed.error?.code).toBe('ENGINE_CRASHED');
      expect(failed.error?.message).toContain('the engine restarts on the next request');
      expect(host.restartCount).toBe(restarts + 1);
      const next = await call(ws, 4, 'features:compute', { model: 'resnet18', inputSize: 32, image: { kind: 'sample', name: 'coffee' } });
      expect(next.ok).toBe(true);
    } finally {
      ws.close();
    }
  });
});

describe('DNS rebinding guard (loopback bind)', () => {
  it.each([
    ['127.0.0.1:5199', true],
    ['localhost:5199', true],
    ['[::1]:5199', true],
    ['127.0.0.1', true],
    ['evil.example:5199', false],
    ['localhost.evil.example:5199', false],
    ['127.0.0.1.nip.io:5199', false],
    ['', false],
    [undefined, false],
  ])('Host %s → %s', (hostHeader, allowed) => {
    expect(isAllowedHostHeader('127.0.0.1', hostHeader)).toBe(allowed);
  });

  it('accepts any Host on a remote bind (the Origin check still applies)', () => {
    expect(isAllowedHostHeader('0.0.0.0', 'workstation.lan:5199')).toBe(true);
  });

  it('refuses HTTP and WebSocket requests that name another host', async () => {
    const host = `evil.example:${server.port}`;
    expect(await request({ headers: { Host: host } })).toBe(421);
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin: `http://${host}`, headers: { Host: host } });
      ws.once('open', () => (ws.close(), resolve('open')));
      ws.once('unexpected-response', (_req, res) => resolve(`refused with ${res.statusCode}`));
      ws.once('error', () => resolve('error'));
    });
    expect(refused).toBe('refused with 401');
    expect(await request({ path: '/' })).toBe(200);
  });
});
