/** Web mode end to end at the protocol level: a real server on loopback, the real engine in a worker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { EngineHost, workerSpawner } from '../engine/host/engineHost';
import { startWebServer, type RunningServer } from './webServer';
import { call } from '../testing/wsReplies';
import { ContractCallError } from '../../src-shared/contract';

let host: EngineHost;
let server: RunningServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-ui-'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  host = new EngineHost({
    spawn: workerSpawner({ workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url) }),
  });
  server = await startWebServer({ engine: host, rendererDir: root, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await host?.close();
});

function get(urlPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: urlPath }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

function connect(origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
}


describe('web mode server', () => {
  it('listens on loopback and serves the UI with a strict CSP', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses paths that escape the UI folder', async () => {
    for (const p of ['/../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd', '/a%00b']) {
      expect((await get(p)).status, p).toBe(404);
    }
  });

  it('refuses WebSocket connections from other origins', async () => {
    await expect(connect('http://evil.example')).rejects.toThrow(/refused with 401/);
  });

  it('carries the contract: features arrive as Float32Array in binary frames', async () => {
    const ws = await connect(`http://127.0.0.1:${server.port}`);
    try {
      const info = (await call(ws, 1, 'engine:info', {})).result as { backend: string };
      expect(info.backend).toBeTruthy();
      const r = await call(ws, 2, 'features:compute', { model: 'resnet18', outIndices: [4], inputSize: 64, image: { kind: 'sample', name: 'coffee' } });
      expect(r.ok).toBe(true);
      const level = (r.result as { levels: Array<{ shape: number[]; data: Float32Array }> }).levels[0];
      expect(level.shape).toEqual([512, 2, 2]);
      expect(level.data).toBeInstanceOf(Float32Array);
      expect(level.data.length).toBe(512 * 4);
      const bad = await call(ws, 3, 'features:compute', { model: 'vgg99', image: { kind: 'sample', name: 'coffee' } });
      expect(bad.ok).toBe(false);
      expect(bad.error?.code).toBe('UNKNOWN_MODEL');
      const unknown = await call(ws, 4, 'shell:exec', {});
      expect(unknown.error?.code).toBe('UNKNOWN_CHANNEL');
    } finally {
      ws.close();
    }
  });
});

describe('engine host', () => {
  it('fails in-flight calls when the engine crashes, restarts it, and the next call works', async () => {
    const inFlight = host.invoke('features:compute', { model: 'resnet50', inputSize: 224, image: { kind: 'sample', name: 'astronaut' } });
    host.crashForTest();
    await expect(inFlight).rejects.toSatisfy((e: unknown) => e instanceof ContractCallError && e.code === 'ENGINE_CRASHED');
    const restartsBefore = host.restartCount;
    const list = await host.invoke('zoo:list', {});
    expect(list.models.length).toBeGreaterThan(10);
    expect(host.restartCount).toBe(restartsBefore);
  });
});
