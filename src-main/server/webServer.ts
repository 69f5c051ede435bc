/**
 * Web mode: serves the built renderer and the engine contract over a
 * WebSocket (binary frames), on loopback unless told otherwise.
 */
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel, ContractError, EventName } from '../../src-shared/contract';
import { ContractCallError, CHANNELS } from '../../src-shared/contract';
import { decodeFrame, encodeFrame } from '../../src-shared/wire';
import { CONTENT_SECURITY_POLICY } from './contentSecurity';
import { resolveStatic } from './staticFiles';

export interface EngineInvoker {
  invoke(channel: Channel, payload: unknown): Promise<unknown>;
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void;
}

export interface WebServerOptions {
  engine: EngineInvoker;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Largest WebSocket message accepted (an image upload travels in one). */
  maxMessageBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

function toError(e: unknown): ContractError {
  if (e instanceof ContractCallError) return e.error;
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export async function startWebServer(o: WebServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const root = path.resolve(o.rendererDir);
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
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
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: o.maxMessageBytes ?? 80 * 1024 * 1024,
    // Browsers always send Origin: only pages this server served may connect.
    verifyClient: ({ origin, req }: { origin: string; req: http.IncomingMessage }) => !origin || origin === `http://${req.headers.host}`,
  });
  const unsubscribe = o.engine.onEvent((event, payload) => {
    const frame = encodeFrame({ type: 'event', event, payload });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(frame);
  });

  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', async (data, isBinary) => {
      let id: unknown = null;
      try {
        if (!isBinary) throw new ContractCallError({ code: 'BAD_FRAME', message: 'messages must be binary frames' });
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const msg = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) as { id?: unknown; channel?: unknown; payload?: unknown };
        id = msg.id;
        if (typeof msg.channel !== 'string' || !(CHANNELS as string[]).includes(msg.channel)) {
          throw new ContractCallError({ code: 'UNKNOWN_CHANNEL', message: `unknown channel '${String(msg.channel).slice(0, 100)}'; allowed: ${CHANNELS.join(', ')}` });
        }
        const result = await o.engine.invoke(msg.channel as Channel, msg.payload);
        socket.send(encodeFrame({ type: 'result', id, ok: true, result }));
      } catch (e) {
        socket.send(encodeFrame({ type: 'result', id, ok: false, error: toError(e) }));
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
