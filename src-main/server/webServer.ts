/**
 * Web mode: serves the built renderer and the engine contract over a
 * WebSocket (binary frames), on loopback unless told otherwise.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel, ContractError, EventName } from '../../src-shared/contract';
import { ContractCallError, CHANNELS } from '../../src-shared/contract';
import { decodeFrame, encodeFrame } from '../../src-shared/wire';
import { messagesFor } from '../../src-shared/wireParts';
import { CONTENT_SECURITY_POLICY } from './contentSecurity';
import { resolveStatic } from './staticFiles';

export interface EngineInvoker {
  invoke(channel: Channel, payload: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void;
  /** Kills the engine as a crash would (only reachable with testHooks on). */
  crashForTest?(): void;
}

export interface WebServerOptions {
  engine: EngineInvoker;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Largest WebSocket message accepted (an image upload travels in one). */
  maxMessageBytes?: number;
  /**
   * Accept TEST_CRASH_CHANNEL, which kills the engine mid-request, so end-to-end
   * tests can prove the UI survives a crash. Off unless PYRAMIDSCOPE_TEST_HOOKS=1.
   */
  testHooks?: boolean;
  /**
   * Test mode (PYRAMIDSCOPE_TEST_MODE=1): index.html carries a
   * `<meta name="pyramidscope-test-mode">`, so the renderer exposes
   * window.pyramidscope.state() and renders deterministically (as `?testMode=1` does).
   */
  testMode?: boolean;
}

/** The marker the renderer looks for (see src-renderer/testMode.ts). */
export const TEST_MODE_META = '<meta name="pyramidscope-test-mode" content="1">';

/** Test-only channel (with testHooks): crash the engine as an out-of-memory kill would. */
export const TEST_CRASH_CHANNEL = 'test:crash-engine';

/** Longest request target accepted; the UI's own URLs are a few dozen characters. */
export const MAX_URL_LENGTH = 2048;
/** Request line plus headers (Node's own default, stated so a test can hold it). */
export const MAX_HEADER_BYTES = 16 * 1024;
export const DEFAULT_MAX_MESSAGE_BYTES = 80 * 1024 * 1024;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/**
 * DNS rebinding guard: on a loopback bind, a request must name a loopback host.
 * A page on evil.example whose DNS flips to 127.0.0.1 sends Host: evil.example
 * (and a matching Origin), so the Origin check alone would let it in.
 */
export function isAllowedHostHeader(bindHost: string, hostHeader: string | undefined): boolean {
  if (!LOOPBACK_HOSTS.includes(bindHost)) return true; // --allow-remote: any name this machine answers to
  if (!hostHeader) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return LOOPBACK_HOSTS.includes(hostname.replace(/^\[(.*)\]$/, '$1'));
}

function toError(e: unknown): ContractError {
  if (e instanceof ContractCallError) return e.error;
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export async function startWebServer(o: WebServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const root = path.resolve(o.rendererDir);
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, async (req, res) => {
    // Only GETs of static files are served: refuse anything else before reading a byte of its body.
    const refuse = (status: number, headers: http.OutgoingHttpHeaders = {}) => res.writeHead(status, { ...headers, Connection: 'close' }).end();
    if (!isAllowedHostHeader(host, req.headers.host)) return refuse(421);
    if ((req.url ?? '').length > MAX_URL_LENGTH) return refuse(414);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, { Allow: 'GET, HEAD' });
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) return refuse(413);
    const file = await resolveStatic(root, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    const body = o.testMode && file.contentType.startsWith('text/html') ? Buffer.from(file.body.toString('utf8').replace('<head>', `<head>${TEST_MODE_META}`)) : file.body;
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  // Slow clients cannot hold connections open: headers within 10 s, a whole request within 30 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    // A bigger frame closes that connection (code 1009) before it is buffered; others are unaffected.
    maxPayload: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    // Browsers always send Origin: only pages this server served may connect.
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) =>
      isAllowedHostHeader(host, req.headers.host) && (!origin || origin === `http://${req.headers.host}`),
  });
  const unsubscribe = o.engine.onEvent((event, payload) => {
    const frame = encodeFrame({ type: 'event', event, payload });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(frame);
  });

  wss.on('connection', (socket) => {
    sockets.add(socket);
    // When the page goes away its calls are stale: the engine drops those still queued.
    const inFlight = new AbortController();
    // One abort listener per call in flight; a busy page may have many at once.
    setMaxListeners(0, inFlight.signal);
    socket.on('close', () => {
      sockets.delete(socket);
      inFlight.abort();
    });
    // ws reports protocol errors (an over-size frame, bad UTF-8, bad opcodes) here and
    // closes the socket itself; unheard, the error event would crash the whole server.
    socket.on('error', () => {});
    socket.on('message', async (data, isBinary) => {
      let id: unknown = null;
      try {
        if (!isBinary) throw new ContractCallError({ code: 'BAD_FRAME', message: 'messages must be binary frames' });
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        let msg: { id?: unknown; channel?: unknown; payload?: unknown };
        try {
          msg = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) as typeof msg;
        } catch (e) {
          throw new ContractCallError({ code: 'BAD_FRAME', message: `unreadable frame (${(e as Error).message}); expected the binary framing of src-shared/wire.ts` });
        }
        if (msg === null || typeof msg !== 'object') throw new ContractCallError({ code: 'BAD_FRAME', message: 'a frame must hold an object { id, channel, payload }' });
        id = msg.id;
        if (o.testHooks && msg.channel === TEST_CRASH_CHANNEL && o.engine.crashForTest) {
          o.engine.crashForTest();
          socket.send(encodeFrame({ type: 'result', id, ok: true, result: { crashed: true } }));
          return;
        }
        if (typeof msg.channel !== 'string' || !(CHANNELS as string[]).includes(msg.channel)) {
          throw new ContractCallError({ code: 'UNKNOWN_CHANNEL', message: `unknown channel '${String(msg.channel).slice(0, 100)}'; allowed: ${CHANNELS.join(', ')}` });
        }
        const result = await o.engine.invoke(msg.channel as Channel, msg.payload, { signal: inFlight.signal });
        if (socket.readyState === socket.OPEN) for (const m of messagesFor(encodeFrame({ type: 'result', id, ok: true, result }))) socket.send(m);
      } catch (e) {
        if (socket.readyState !== socket.OPEN) return;
        try {
          socket.send(encodeFrame({ type: 'result', id, ok: false, error: toError(e) }));
        } catch {
          // An id that cannot be sent back: answer anyway (a throw here would be an unhandled rejection).
          socket.send(encodeFrame({ type: 'result', id: null, ok: false, error: { code: 'BAD_FRAME', message: "the request's id cannot be sent back; use a number or a short string" } }));
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: async () => {
      unsubscribe();
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
