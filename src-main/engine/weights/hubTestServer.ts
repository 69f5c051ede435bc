/**
 * Test-only: a real HTTP server on 127.0.0.1 (random port) that plays the
 * Hugging Face hub's resolve endpoint, with faults to order. Used by the
 * weights tests; never imported by the app.
 *
 *   HEAD /{repo}/resolve/{rev}/{file}  → 302 to /cdn/{etag} with X-Repo-Commit, X-Linked-Etag, X-Linked-Size
 *   GET  /{repo}/resolve/{rev}/{file}  → 302 to /cdn/{etag}
 *   GET  /cdn/{etag}                   → the bytes (Range → 206), or a fault
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubFile {
  repoId: string;
  revision?: string;
  filename?: string;
  content: Uint8Array;
  commit?: string;
  /** Default: sha256 of the content (an LFS file). */
  etag?: string;
  /** Faults, applied to the CDN GET. */
  fault?: Fault;
}

export type Fault =
  /** Serves other bytes than the etag promises. */
  | { kind: 'corrupt' }
  /** Serves a 200 with only the first n bytes (an honest Content-Length of n), every time. */
  | { kind: 'truncate'; bytes: number }
  /** Announces the full length, sends n bytes, then destroys the socket; the first `times` GETs. */
  | { kind: 'drop'; bytes: number; times?: number }
  /** Sends n bytes and then nothing, keeping the connection open. */
  | { kind: 'hang'; bytes: number }
  /** Never answers the HEAD. */
  | { kind: 'hangHead' }
  /** Answers a Range request with a full 200 (no resume support); drops the first GET after n bytes. */
  | { kind: 'noRange'; bytes: number }
  /** Sends in chunks of `chunk` bytes, `delayMs` apart. */
  | { kind: 'slow'; chunk: number; delayMs: number };

export interface SeenRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface TestHub {
  endpoint: string;
  requests: SeenRequest[];
  files: HubFile[];
  close(): Promise<void>;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function fakeCommit(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** `port` 0 picks a free one (tests); e2e runs give a fixed port. */
export async function startTestHub(files: HubFile[], listenPort = 0): Promise<TestHub> {
  const requests: SeenRequest[] = [];
  const getCounts = new Map<string, number>();
  const hung = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const find = (repoId: string, rev: string, filename: string): HubFile | undefined =>
    files.find((f) => f.repoId === repoId && (f.revision ?? 'main') === rev && (f.filename ?? 'model.safetensors') === filename);
  const etagOf = (f: HubFile): string => f.etag ?? sha256Hex(f.content);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://x');
    const host = `http://${req.headers.host}`;
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m) {
      const [repoId, rev, filename] = [m[1], decodeURIComponent(m[2]), m[3].split('/').map(decodeURIComponent).join('/')];
      const f = find(repoId, rev, filename);
      if (!f) {
        const repoKnown = files.some((x) => x.repoId === repoId);
        res.writeHead(404, { 'X-Error-Code': repoKnown ? 'EntryNotFound' : 'RepoNotFound', 'X-Error-Message': repoKnown ? 'Entry not found' : 'Repository not found' });
        res.end();
        return;
      }
      if (req.method === 'HEAD' && f.fault?.kind === 'hangHead') {
        hung.add(res);
        return;
      }
      const etag = etagOf(f);
      res.writeHead(302, {
        Location: `${host}/cdn/${etag}`,
        'X-Repo-Commit': f.commit ?? fakeCommit(`${f.repoId}@${f.revision ?? 'main'}`),
        'X-Linked-Etag': `"${etag}"`,
        'X-Linked-Size': String(f.content.length),
        ETag: '"0123456789abcdef0123456789abcdef01234567"',
      });
      res.end();
      return;
    }
    const c = /^\/cdn\/([^/]+)$/.exec(url.pathname);
    const f = c ? files.find((x) => etagOf(x) === c[1]) : undefined;
    if (!f || req.method !== 'GET') {
      res.writeHead(404);
      res.end();
      return;
    }
    const n = (getCounts.get(c![1]) ?? 0) + 1;
    getCounts.set(c![1], n);
    let body = Buffer.from(f.content);
    const fault = f.fault;
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    if (fault?.kind === 'truncate') {
      res.writeHead(200, { 'Content-Length': String(fault.bytes) });
      res.end(body.subarray(0, fault.bytes));
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && fault?.kind !== 'noRange') {
      start = Number(range[1]);
      res.writeHead(206, { 'Content-Length': String(body.length - start), 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { 'Content-Length': String(body.length) });
    }
    const rest = body.subarray(start);
    if ((fault?.kind === 'drop' && n <= (fault.times ?? 1)) || (fault?.kind === 'noRange' && n === 1)) {
      res.write(rest.subarray(0, fault.bytes), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (fault?.kind === 'hang') {
      res.write(rest.subarray(0, fault.bytes));
      hung.add(res);
      return;
    }
    if (fault?.kind === 'slow') {
      let pos = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        const chunk = rest.subarray(pos, pos + fault.chunk);
        pos += chunk.length;
        if (pos >= rest.length) {
          res.end(chunk);
          return;
        }
        res.write(chunk);
        const t = setTimeout(tick, fault.delayMs);
        timers.add(t);
      };
      tick();
      return;
    }
    res.end(rest);
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    files,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
