/**
 * Downloads timm's weights from the Hugging Face hub into the shared
 * huggingface_hub cache (see hubCache.ts), with huggingface_hub's protocol:
 *
 *  1. HEAD {endpoint}/{repoId}/resolve/{revision}/{filename}, not following
 *     redirects to the CDN (relative ones, as for renamed repos, are
 *     followed), reading X-Repo-Commit, X-Linked-Etag (else ETag) and
 *     X-Linked-Size (else Content-Length);
 *  2. GET the same URL, following redirects, into blobs/<etag>.incomplete.<random>;
 *     a dropped connection resumes with `Range: bytes=N-` (206), or starts
 *     over when the server answers 200;
 *  3. check the size and the hash (sha256 for LFS etags; git's blob sha1 for
 *     40-hex etags) before anything enters the cache; rename atomically to
 *     blobs/<etag>; then the snapshot link and refs/<revision>.
 *
 * Why plain fetch (Node 20's undici) and not @huggingface/hub: we need the
 * cache layout huggingface_hub (Python) uses, byte-level control of the
 * stream (resume, stall timer, hashing while writing), and no new dependency;
 * the JS client's own download/cache helpers would own those parts. Undici
 * drops the Authorization header on cross-origin redirects (to the CDN).
 *
 * A file already in the cache for (repo, revision, file) is returned without
 * any request; HF_HUB_OFFLINE=1 makes no request at all.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, readdir, rename, rm, mkdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors';
import { cacheWriteError, type CacheWhere } from './cacheErrors';
import {
  type CacheOptions,
  DEFAULT_REVISION,
  INCOMPLETE_MARK,
  WEIGHTS_FILENAME,
  blobPath,
  isSha256,
  linkSnapshot,
  normalizeEtag,
  repoPaths,
  resolveCacheDir,
  resolveCachedFile,
  sha256File,
  tempSuffix,
  validateFilename,
  validateRepoId,
  validateRevision,
  writeRef,
  COMMIT_RE,
} from './hubCache';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface DownloadProgress {
  /** Bytes of the file on disk so far. */
  bytes: number;
  /** The file's size, when the hub said. */
  total: number | null;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left at that rate (null when unknown). */
  etaSeconds: number | null;
}

export interface DownloadOptions extends CacheOptions {
  revision?: string;
  filename?: string;
  /** Default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** A hub token; default HF_TOKEN. null: send none. */
  token?: string | null;
  /** Default HF_HUB_OFFLINE (1/true/yes/on). */
  offline?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Least time between progress calls (default 100 ms: ~10/s). */
  progressIntervalMs?: number;
  /** Time allowed until response headers arrive (default HF_HUB_ETAG_TIMEOUT seconds, else 30 s). */
  connectTimeoutMs?: number;
  /** Time allowed without a single byte of body (default HF_HUB_DOWNLOAD_TIMEOUT seconds, else 60 s). */
  stallTimeoutMs?: number;
  /** Resumed retries after a dropped, stalled or short transfer (default 5). */
  retries?: number;
  /** Wait before retry n is n × this (default 500 ms). */
  retryDelayMs?: number;
  /** Download even when the cache has the file. */
  forceDownload?: boolean;
  /** Leftover blobs/*.incomplete.* files older than this are removed when a download starts (default 1 day). */
  staleTempMs?: number;
}

export interface DownloadResult {
  /** snapshots/<commit>/<filename>: the path to read. */
  path: string;
  repoId: string;
  revision: string;
  filename: string;
  commit: string;
  etag: string | null;
  size: number;
  /** True when no request was made. */
  fromCache: boolean;
}

interface Settings {
  cacheDir: string;
  endpoint: string;
  token: string | null;
  offline: boolean;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(v.trim().toUpperCase());
}

/** The cache folder, endpoint, token and offline flag, from options, else the environment (as huggingface_hub reads it). */
export function hubSettings(o: DownloadOptions = {}): Settings {
  const env = o.env ?? process.env;
  const endpoint = (o.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new EngineError('BAD_ENDPOINT', `hub endpoint ${JSON.stringify(endpoint)} must be an http(s) URL such as ${DEFAULT_ENDPOINT}`, { endpoint });
  }
  const token = o.token === undefined ? env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || null : o.token;
  return { cacheDir: resolveCacheDir(o), endpoint, token, offline: o.offline ?? isTrue(env.HF_HUB_OFFLINE) };
}

/** A positive number of seconds from the environment, in ms. */
function envSeconds(o: DownloadOptions, name: string): number | undefined {
  const v = Number((o.env ?? process.env)[name]);
  return Number.isFinite(v) && v > 0 ? v * 1000 : undefined;
}

export function resolveUrl(endpoint: string, repoId: string, revision: string, filename: string): string {
  const file = filename.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

// ---------------------------------------------------------------- errors

/** An error that a resumed retry may cure. */
class Retryable extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
  }
}

function cancelled(repoId: string): EngineError {
  return new EngineError('DOWNLOAD_CANCELLED', `download of ${repoId} was cancelled`, { repoId });
}

function httpError(status: number, headers: Headers, ctx: Ctx): EngineError {
  const { repoId, revision, filename, settings } = ctx;
  const code = headers.get('x-error-code');
  const serverMsg = headers.get('x-error-message');
  const details = { repoId, revision, filename, status, endpoint: settings.endpoint, errorCode: code };
  const tail = serverMsg ? ` (hub says: ${serverMsg})` : '';
  if (status === 404) {
    const what =
      code === 'RevisionNotFound'
        ? `revision '${revision}' of ${repoId} not found on ${settings.endpoint}`
        : code === 'EntryNotFound'
          ? `${filename} not found in ${repoId} at revision '${revision}' on ${settings.endpoint}`
          : code === 'RepoNotFound'
            ? `repository ${repoId} not found on ${settings.endpoint}`
            : `${repoId}: ${filename} at revision '${revision}' not found on ${settings.endpoint} (404)`;
    return new EngineError('HUB_NOT_FOUND', `${what}; check the repo id (timm's are 'timm/<model>.<tag>', e.g. timm/resnet50.a1_in1k)${tail}`, details);
  }
  if (status === 401) {
    const how = settings.token ? 'the token in HF_TOKEN was refused' : 'set HF_TOKEN if it is private or gated';
    return new EngineError('HUB_UNAUTHORIZED', `${repoId} not found on ${settings.endpoint}, or it needs a login (401): check the name; ${how}${tail}`, details);
  }
  if (status === 403) {
    return new EngineError('HUB_FORBIDDEN', `access to ${repoId} was refused (403): the repo may be gated; accept its terms on the hub and set HF_TOKEN${tail}`, details);
  }
  if (status === 429) return new EngineError('HUB_RATE_LIMITED', `the hub rate-limited the download of ${repoId} (429); try again later${tail}`, details);
  return new EngineError('HUB_HTTP_ERROR', `the hub answered ${status} for ${repoId} (${filename} at '${revision}')${tail}`, details);
}

function netError(e: unknown, ctx: Ctx, phase: string): EngineError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
  return new EngineError('DOWNLOAD_FAILED', `${phase} ${ctx.repoId} from ${ctx.settings.endpoint} failed: ${why}`, { repoId: ctx.repoId, cause: why });
}

// ---------------------------------------------------------------- requests

interface Ctx {
  repoId: string;
  revision: string;
  filename: string;
  settings: Settings;
  url: string;
  signal: AbortSignal;
  connectTimeoutMs: number;
  stallTimeoutMs: number;
}

class Timeout extends Error {
  constructor(readonly kind: 'connect' | 'stall') {
    super(kind);
  }
}

function baseHeaders(ctx: Ctx): Record<string, string> {
  const h: Record<string, string> = { 'Accept-Encoding': 'identity', 'User-Agent': 'pyramidscope (huggingface_hub-compatible)' };
  if (ctx.settings.token) h.Authorization = `Bearer ${ctx.settings.token}`;
  return h;
}

interface Open {
  res: Response;
  ctl: AbortController;
  /** Drops the connection (if still open) and detaches from the caller's signal. */
  close(): void;
}

/**
 * fetch with a timer until the headers arrive. The caller's signal stays
 * wired to the connection until close(), so a cancel also stops the body.
 */
async function request(ctx: Ctx, url: string, init: RequestInit, phase: string): Promise<Open> {
  if (ctx.signal.aborted) throw cancelled(ctx.repoId);
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const close = (): void => {
    ctx.signal.removeEventListener('abort', onAbort);
    ctl.abort();
  };
  const timer = setTimeout(() => ctl.abort(new Timeout('connect')), ctx.connectTimeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: ctl.signal });
    return { res, ctl, close };
  } catch (e) {
    close();
    throw classify(e, ctl, ctx, phase);
  } finally {
    clearTimeout(timer);
  }
}

function classify(e: unknown, ctl: AbortController, ctx: Ctx, phase: string): Error {
  if (e instanceof EngineError || e instanceof Retryable) return e;
  if (ctx.signal.aborted) return cancelled(ctx.repoId);
  const reason: unknown = ctl.signal.reason;
  if (ctl.signal.aborted && reason instanceof Timeout) {
    if (reason.kind === 'connect') {
      return new Retryable(
        new EngineError('DOWNLOAD_TIMEOUT', `${phase} ${ctx.repoId}: no answer from ${ctx.settings.endpoint} within ${ctx.connectTimeoutMs / 1000} s`, {
          repoId: ctx.repoId,
          timeoutMs: ctx.connectTimeoutMs,
        }),
      );
    }
    return new Retryable(
      new EngineError('DOWNLOAD_STALLED', `${phase} ${ctx.repoId} stalled: no data for ${ctx.stallTimeoutMs / 1000} s`, {
        repoId: ctx.repoId,
        timeoutMs: ctx.stallTimeoutMs,
      }),
    );
  }
  return new Retryable(netError(e, ctx, phase));
}

interface Meta {
  commit: string;
  etag: string;
  size: number | null;
}

/** huggingface_hub's get_hf_file_metadata. */
async function headMetadata(ctx: Ctx): Promise<Meta> {
  let url = ctx.url;
  for (let hop = 0; ; hop++) {
    const { res, close } = await request(ctx, url, { method: 'HEAD', headers: baseHeaders(ctx), redirect: 'manual' }, 'looking up');
    close(); // a HEAD has no body
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location && location.startsWith('/') && !location.startsWith('//') && hop < 5) {
      url = new URL(location, url).toString(); // a renamed repo: follow, as huggingface_hub follows relative redirects
      continue;
    }
    if (res.status >= 400) {
      const err = httpError(res.status, res.headers, ctx);
      throw res.status >= 500 ? new Retryable(err) : err;
    }
    const commit = res.headers.get('x-repo-commit');
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    const sizeRaw = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
    const size = sizeRaw !== null && /^\d+$/.test(sizeRaw.trim()) ? Number(sizeRaw) : null;
    if (!commit || !COMMIT_RE.test(commit) || !etag) {
      throw new EngineError(
        'HUB_BAD_RESPONSE',
        `${ctx.settings.endpoint} did not answer like the Hugging Face hub for ${ctx.repoId} (missing or malformed X-Repo-Commit / ETag); check HF_ENDPOINT`,
        { repoId: ctx.repoId, commit, etag: res.headers.get('x-linked-etag') ?? res.headers.get('etag') },
      );
    }
    return { commit, etag, size };
  }
}

// ---------------------------------------------------------------- progress

class Meter {
  private last = 0;
  private samples: Array<{ t: number; bytes: number }> = [];

  constructor(
    private readonly total: number | null,
    private readonly intervalMs: number,
    private readonly emit: (p: DownloadProgress) => void,
  ) {}

  update(bytes: number, force = false): void {
    const t = performance.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > 3000) this.samples.shift();
    if (!force && t - this.last < this.intervalMs) return;
    this.last = t;
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    const rate = dt > 0 ? Math.max(0, (bytes - first.bytes) / dt) : 0;
    const etaSeconds = this.total === null ? null : bytes >= this.total ? 0 : rate > 0 ? (this.total - bytes) / rate : null;
    try {
      this.emit({ bytes, total: this.total, rate, etaSeconds });
    } catch {
      /* a progress callback cannot break the download */
    }
  }

  /** After a restart from zero, rates must not go negative. */
  reset(): void {
    this.samples = [];
  }
}

// ---------------------------------------------------------------- body

/** What the etag promises about the content, checked while the bytes stream. */
interface Hasher {
  hash: Hash;
  expected: string;
  algorithm: string;
}

function makeHasher(etag: string, size: number | null): Hasher | null {
  if (isSha256(etag)) return { hash: createHash('sha256'), expected: etag, algorithm: 'sha256' };
  if (COMMIT_RE.test(etag) && size !== null) {
    // A regular (non-LFS) git file: its etag is git's blob id, sha1("blob <size>\0" + content).
    const hash = createHash('sha1');
    hash.update(`blob ${size}\0`);
    return { hash, expected: etag, algorithm: 'git sha1' };
  }
  return null;
}

interface BodyState {
  fh: FileHandle;
  bytes: number;
  hasher: Hasher | null;
}

async function readWithStall(reader: ReadableStreamDefaultReader<Uint8Array>, ctl: AbortController, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  const timer = setTimeout(() => ctl.abort(new Timeout('stall')), ms);
  try {
    return await reader.read();
  } finally {
    clearTimeout(timer);
  }
}

/** One GET: appends to the temp file from state.bytes (Range when > 0), restarting on 200. */
async function getOnce(ctx: Ctx, meta: Meta, st: BodyState, meter: Meter): Promise<void> {
  const headers = baseHeaders(ctx);
  if (st.bytes > 0) headers.Range = `bytes=${st.bytes}-`;
  const { res, ctl, close } = await request(ctx, ctx.url, { method: 'GET', headers, redirect: 'follow' }, 'downloading');
  try {
    if (res.status === 206 && st.bytes > 0) {
      const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== st.bytes) {
        await restart(st, meta, meter);
        throw new Retryable(new EngineError('DOWNLOAD_FAILED', `the hub resumed ${ctx.repoId} at the wrong offset`, { repoId: ctx.repoId }));
      }
      // else: append from st.bytes
    } else if (res.status === 200) {
      if (st.bytes > 0) await restart(st, meta, meter); // the server ignored Range: start over cleanly
    } else if (res.status >= 400) {
      const err = httpError(res.status, res.headers, ctx);
      throw res.status >= 500 || res.status === 416 ? new Retryable(err) : err;
    } else {
      throw new EngineError('HUB_BAD_RESPONSE', `unexpected status ${res.status} downloading ${ctx.repoId}`, { repoId: ctx.repoId, status: res.status });
    }
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await readWithStall(reader, ctl, ctx.stallTimeoutMs);
        if (done) {
          if (ctl.signal.aborted) throw new Error('aborted'); // classify() names the cause
          break;
        }
        if (meta.size !== null && st.bytes + value.byteLength > meta.size) {
          throw new EngineError(
            'DOWNLOAD_CORRUPT',
            `${ctx.repoId}: the hub sent more than the ${meta.size} bytes it announced; nothing was cached`,
            { repoId: ctx.repoId, expectedSize: meta.size },
          );
        }
        try {
          let off = 0;
          while (off < value.byteLength) {
            const { bytesWritten } = await st.fh.write(value, off, value.byteLength - off, st.bytes + off);
            off += bytesWritten;
          }
        } catch (e) {
          throw cacheWriteError(e, cacheWhere(ctx));
        }
        st.hasher?.hash.update(value);
        st.bytes += value.byteLength;
        meter.update(st.bytes);
      }
    } finally {
      reader.releaseLock();
    }
  } catch (e) {
    throw classify(e, ctl, ctx, 'downloading');
  } finally {
    close();
  }
}

async function restart(st: BodyState, meta: Meta, meter: Meter): Promise<void> {
  await st.fh.truncate(0);
  st.bytes = 0;
  st.hasher = makeHasher(meta.etag, meta.size);
  meter.reset();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function withRetries<T>(ctx: Ctx, retries: number, delayMs: number, step: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step(attempt);
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (attempt >= retries || ctx.signal.aborted) throw ctx.signal.aborted ? cancelled(ctx.repoId) : e.error;
      await sleep(delayMs * (attempt + 1), ctx.signal);
      if (ctx.signal.aborted) throw cancelled(ctx.repoId);
    }
  }
}

async function removeStaleTemps(blobsDir: string, olderThanMs: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(blobsDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    if (!n.includes(INCOMPLETE_MARK)) continue;
    try {
      const s = await stat(join(blobsDir, n));
      if (now - s.mtimeMs > olderThanMs) await rm(join(blobsDir, n), { force: true });
    } catch {
      /* another process got there first */
    }
  }
}

/** A blob already present (another revision, or a crash after the rename): usable when its size and hash check out. */
async function blobIsGood(path: string, meta: Meta): Promise<boolean> {
  try {
    const s = await stat(path);
    if (meta.size !== null && s.size !== meta.size) return false;
    if (isSha256(meta.etag)) return (await sha256File(path)) === meta.etag;
    return true;
  } catch {
    return false;
  }
}

/** The hub cache, for errors about writing it. */
const cacheWhere = (ctx: Ctx): CacheWhere => ({ dir: ctx.settings.cacheDir, what: ctx.repoId, envVar: 'HF_HUB_CACHE' });

/**
 * Downloads into the cache. A full disk, a read-only cache or a cache folder
 * removed meanwhile ends it with NO_SPACE / CACHE_READ_ONLY / CACHE_WRITE_FAILED
 * naming the folder; the temp file goes in every case, and a blob is renamed
 * into place only once complete and verified.
 */
async function transfer(ctx: Ctx, o: DownloadOptions, emit: (p: DownloadProgress) => void): Promise<DownloadResult> {
  try {
    return await transferInto(ctx, o, emit);
  } catch (e) {
    throw cacheWriteError(e, cacheWhere(ctx));
  }
}

async function transferInto(ctx: Ctx, o: DownloadOptions, emit: (p: DownloadProgress) => void): Promise<DownloadResult> {
  const retries = o.retries ?? 5;
  const delay = o.retryDelayMs ?? 500;
  const meta = await withRetries(ctx, retries, delay, () => headMetadata(ctx));
  const { cacheDir } = ctx.settings;
  const blob = blobPath(cacheDir, ctx.repoId, meta.etag);
  const blobsDir = repoPaths(cacheDir, ctx.repoId).blobs;
  await mkdir(blobsDir, { recursive: true });
  await removeStaleTemps(blobsDir, o.staleTempMs ?? 24 * 3600 * 1000);
  const meter = new Meter(meta.size, o.progressIntervalMs ?? 100, emit);

  if (!(await blobIsGood(blob, meta))) {
    const temp = `${blob}${INCOMPLETE_MARK}${tempSuffix()}`;
    const fh = await open(temp, 'wx');
    let closed = false;
    try {
      const st: BodyState = { fh, bytes: 0, hasher: makeHasher(meta.etag, meta.size) };
      meter.update(0, true);
      await withRetries(ctx, retries, delay, async () => {
        await getOnce(ctx, meta, st, meter);
        if (meta.size !== null && st.bytes < meta.size) {
          throw new Retryable(
            new EngineError('DOWNLOAD_TRUNCATED', `${ctx.repoId}: the transfer ended after ${st.bytes} of ${meta.size} bytes; nothing was cached`, {
              repoId: ctx.repoId,
              bytes: st.bytes,
              expectedSize: meta.size,
            }),
          );
        }
      });
      meter.update(st.bytes, true);
      if (st.hasher) {
        const actual = st.hasher.hash.digest('hex');
        if (actual !== st.hasher.expected) {
          throw new EngineError(
            'DOWNLOAD_CORRUPT',
            `${ctx.repoId}: the downloaded ${ctx.filename} does not match its ${st.hasher.algorithm} (expected ${st.hasher.expected}, got ${actual}); nothing was cached`,
            { repoId: ctx.repoId, expected: st.hasher.expected, actual },
          );
        }
      }
      await fh.sync();
      await fh.close();
      closed = true;
      try {
        await rename(temp, blob);
      } catch (e) {
        if (!(await blobIsGood(blob, meta))) throw e; // Windows: another process renamed first
      }
    } finally {
      if (!closed) await fh.close().catch(() => undefined);
      await rm(temp, { force: true });
    }
  } else {
    meter.update(meta.size ?? 0, true);
  }
  const path = await linkSnapshot(cacheDir, ctx.repoId, meta.commit, ctx.filename, meta.etag);
  await writeRef(cacheDir, ctx.repoId, ctx.revision, meta.commit);
  const size = (await stat(path)).size;
  return { path, repoId: ctx.repoId, revision: ctx.revision, filename: ctx.filename, commit: meta.commit, etag: meta.etag, size, fromCache: false };
}

// ---------------------------------------------------------------- sharing

interface Subscriber {
  onProgress?: (p: DownloadProgress) => void;
}

/** One transfer, shared by every caller in this process that asks for the same file meanwhile. */
class SharedTransfer {
  readonly controller = new AbortController();
  readonly subscribers = new Set<Subscriber>();
  readonly promise: Promise<DownloadResult>;

  constructor(run: (signal: AbortSignal, emit: (p: DownloadProgress) => void) => Promise<DownloadResult>) {
    this.promise = run(this.controller.signal, (p) => {
      for (const s of this.subscribers) s.onProgress?.(p);
    });
    this.promise.catch(() => undefined);
  }

  /** Resolves with the transfer; a caller's own abort rejects only that caller (the transfer stops when no caller is left). */
  join(repoId: string, signal: AbortSignal | undefined, onProgress: Subscriber['onProgress']): Promise<DownloadResult> {
    const sub: Subscriber = { onProgress };
    this.subscribers.add(sub);
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.subscribers.delete(sub);
      };
      const onAbort = (): void => {
        leave();
        if (this.subscribers.size > 0) return reject(cancelled(repoId));
        // The last caller left: stop the transfer, and answer once its temp file is gone.
        this.controller.abort(cancelled(repoId));
        const done = (): void => reject(cancelled(repoId));
        this.promise.then(done, done);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.promise.then(
        (r) => {
          leave();
          resolve(r);
        },
        (e: unknown) => {
          leave();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

const inflight = new Map<string, SharedTransfer>();

/** The cached file for (repo, revision, file), when there is one: no request. */
export async function findCached(repoId: string, o: DownloadOptions = {}): Promise<DownloadResult | null> {
  validateRepoId(repoId);
  const revision = validateRevision(o.revision ?? DEFAULT_REVISION);
  const filename = validateFilename(o.filename ?? WEIGHTS_FILENAME);
  const hit = await resolveCachedFile(repoId, revision, filename, { cacheDir: resolveCacheDir(o) });
  if (!hit) return null;
  return { path: hit.path, repoId, revision, filename, commit: hit.commit, etag: hit.etag, size: hit.size, fromCache: true };
}

/**
 * Returns the path of `filename` (model.safetensors) of `repoId` at
 * `revision` in the hub cache, downloading it when the cache lacks it.
 * Errors are EngineErrors: HUB_NOT_FOUND, HUB_UNAUTHORIZED, HUB_FORBIDDEN,
 * OFFLINE_CACHE_MISS, DOWNLOAD_STALLED, DOWNLOAD_TIMEOUT, DOWNLOAD_TRUNCATED,
 * DOWNLOAD_CORRUPT, DOWNLOAD_FAILED, DOWNLOAD_CANCELLED, …
 */
export async function downloadWeights(repoId: string, o: DownloadOptions = {}): Promise<DownloadResult> {
  validateRepoId(repoId);
  const revision = validateRevision(o.revision ?? DEFAULT_REVISION);
  const filename = validateFilename(o.filename ?? WEIGHTS_FILENAME);
  const settings = hubSettings(o);
  if (o.signal?.aborted) throw cancelled(repoId);
  if (!o.forceDownload) {
    const hit = await findCached(repoId, { ...o, cacheDir: settings.cacheDir, revision, filename });
    if (hit) return hit;
  }
  if (settings.offline) {
    throw new EngineError(
      'OFFLINE_CACHE_MISS',
      `${repoId} (${filename} at revision '${revision}') is not in the hub cache ${settings.cacheDir} and HF_HUB_OFFLINE is set, so nothing is downloaded; ` +
        'unset HF_HUB_OFFLINE, or download it on a connected machine (huggingface-cli download or `weights download`) and copy the cache',
      { repoId, revision, filename, cacheDir: settings.cacheDir },
    );
  }
  const key = JSON.stringify([settings.cacheDir, settings.endpoint, repoId, revision, filename]);
  let shared = inflight.get(key);
  if (!shared || shared.controller.signal.aborted) {
    const created = new SharedTransfer((signal, emit) =>
      transfer(
        {
          repoId,
          revision,
          filename,
          settings,
          url: resolveUrl(settings.endpoint, repoId, revision, filename),
          signal,
          connectTimeoutMs: o.connectTimeoutMs ?? envSeconds(o, 'HF_HUB_ETAG_TIMEOUT') ?? 30_000,
          stallTimeoutMs: o.stallTimeoutMs ?? envSeconds(o, 'HF_HUB_DOWNLOAD_TIMEOUT') ?? 60_000,
        },
        o,
        emit,
      ),
    );
    inflight.set(key, created);
    created.promise
      .finally(() => {
        if (inflight.get(key) === created) inflight.delete(key);
      })
      .catch(() => undefined);
    shared = created;
  }
  return shared.join(repoId, o.signal, o.onProgress);
}
