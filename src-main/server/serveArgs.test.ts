/** Web mode binds loopback by default; anything else needs --allow-remote and prints a warning. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseServeArgs, remoteBindWarning } from './serveArgs';

describe('parseServeArgs', () => {
  it('defaults to 127.0.0.1:5199', () => {
    expect(parseServeArgs([])).toEqual({ host: '127.0.0.1', port: 5199 });
  });

  it.each(['127.0.0.1', 'localhost', '::1'])('accepts loopback %s without --allow-remote', (host) => {
    expect(parseServeArgs(['--host', host]).host).toBe(host);
    expect(remoteBindWarning(host)).toBeNull();
  });

  it.each(['0.0.0.0', '::', '192.168.1.5', 'example.org'])('refuses %s without --allow-remote, naming it', (host) => {
    expect(() => parseServeArgs(['--host', host])).toThrow(`--host ${host} is not loopback; add --allow-remote`);
  });

  it('accepts a non-loopback host with --allow-remote, and warns', () => {
    expect(parseServeArgs(['--host', '0.0.0.0', '--allow-remote']).host).toBe('0.0.0.0');
    expect(remoteBindWarning('0.0.0.0')).toMatch(/^warning: serving on 0\.0\.0\.0, reachable from other machines/);
  });

  it.each([
    [['--port', '70000'], "--port '70000' is not a port; allowed: 0..65535"],
    [['--port', '-1'], "--port '-1' is not a port"],
    [['--port', 'http'], "--port 'http' is not a port"],
    [['--port'], '--port needs a value'],
    [['--hots', '0.0.0.0'], "unknown option '--hots'; allowed: --port N, --host ADDRESS, --allow-remote, --renderer-dir DIR"],
  ])('%j → %s', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});

/** The server as `npm run serve` starts it, from source. */
describe('the web-mode process', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const ui = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-serve-'));
  writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>t</title>');
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGTERM');
    child = undefined;
  });

  /** Starts the server; resolves with its URL and stderr once it prints the URL, or with the exit. */
  function serve(...args: string[]): Promise<{ url?: string; code?: number | null; stderr: string }> {
    return new Promise((resolve) => {
      child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/server/main.ts'), '--port', '0', '--renderer-dir', ui, ...args], { cwd: root });
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += d));
      child.stdout?.on('data', (d) => {
        stdout += d;
        const url = stdout.match(/web mode: (http:\/\/\S+)/)?.[1];
        if (url) resolve({ url, stderr });
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  const externalAddress = () =>
    Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it('listens on 127.0.0.1 only by default, with no warning', async () => {
    const r = await serve();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.stderr).not.toContain('warning');
    const ext = externalAddress();
    if (ext) {
      // The same port on this machine's network address is closed.
      const port = Number(new URL(r.url!).port);
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: ext, port }, () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      expect(refused, `connecting to ${ext}:${port}`).toBe(true);
    }
  });

  it('refuses a non-loopback bind without --allow-remote: one line, status 2', async () => {
    const r = await serve('--host', '0.0.0.0');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: --host 0.0.0.0 is not loopback; add --allow-remote to serve other machines (allowed without it: 127.0.0.1, localhost, ::1)');
  });

  it('serves other machines with --allow-remote, and warns', async () => {
    const r = await serve('--host', '0.0.0.0', '--allow-remote');
    expect(r.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(r.stderr).toContain('warning: serving on 0.0.0.0, reachable from other machines');
  });

  it('refuses a bad PYRAMIDSCOPE_CALL_TIMEOUT_MS before serving', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/server/main.ts'), '--port', '0', '--renderer-dir', ui], {
      cwd: root,
      env: { ...process.env, PYRAMIDSCOPE_CALL_TIMEOUT_MS: 'forever' },
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child!.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain("error: PYRAMIDSCOPE_CALL_TIMEOUT_MS 'forever' is not allowed");
  });
});
