import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { formulaStateDict } from './formula';
import { downloadWeights, hubSettings, resolveUrl, type DownloadOptions, type DownloadProgress } from './hubDownload';
import { fakeCommit, sha256Hex, startTestHub, type HubFile, type TestHub } from './hubTestServer';
import { readWeightsFile, serializeSafetensors } from './safetensors';

const REPO = 'timm/resnet_test.a1_in1k';
const SD = formulaStateDict([
  { key: 'conv1.weight', shape: [64, 3, 7, 7] },
  { key: 'bn1.weight', shape: [64] },
  { key: 'bn1.bias', shape: [64] },
  { key: 'bn1.running_mean', shape: [64] },
  { key: 'bn1.running_var', shape: [64] },
  { key: 'layer1.0.conv2.weight', shape: [64, 64, 3, 3] },
  { key: 'fc.weight', shape: [100, 64] },
  { key: 'fc.bias', shape: [100] },
]);
const CONTENT = serializeSafetensors(SD);
const ETAG = sha256Hex(CONTENT);
const COMMIT = fakeCommit(`${REPO}@main`);

let cacheDir: string;
let hub: TestHub | null = null;

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'ps-hub-'));
});
afterEach(async () => {
  await hub?.close();
  hub = null;
  await rm(cacheDir, { recursive: true, force: true });
});

async function serve(files: Array<Partial<HubFile>> = [{}]): Promise<TestHub> {
  hub = await startTestHub(files.map((f) => ({ repoId: REPO, content: CONTENT, ...f })));
  return hub;
}

function opts(extra: DownloadOptions = {}): DownloadOptions {
  return { cacheDir, endpoint: hub?.endpoint ?? 'http://127.0.0.1:9', env: {}, retryDelayMs: 10, connectTimeoutMs: 2000, stallTimeoutMs: 2000, ...extra };
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

const repoDir = (): string => join(cacheDir, 'models--timm--resnet_test.a1_in1k');

/** Everything under the repo folder, relative, sorted. */
async function tree(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  await walk(repoDir(), '');
  return out.sort();
}

/** Nothing entered the cache: no blob, no snapshot file, no ref, no temp file. */
async function expectNothingCached(): Promise<void> {
  expect(await tree()).toEqual([]);
}

describe('downloadWeights against a local hub', () => {
  it('downloads, verifies and lays the file out as huggingface_hub does', async () => {
    const h = await serve();
    const progress: DownloadProgress[] = [];
    const r = await downloadWeights(REPO, opts({ onProgress: (p) => progress.push(p) }));
    expect(r).toMatchObject({ repoId: REPO, revision: 'main', commit: COMMIT, etag: ETAG, size: CONTENT.length, fromCache: false });
    expect(r.path).toBe(join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'));
    expect(await readlink(r.path)).toBe(join('..', '..', 'blobs', ETAG));
    expect((await readFile(join(repoDir(), 'refs', 'main'), 'utf8')).trim()).toBe(COMMIT);
    expect(await tree()).toEqual([`blobs/${ETAG}`, 'refs/main', `snapshots/${COMMIT}/model.safetensors`]);
    const back = await readWeightsFile(r.path);
    expect(Array.from(back.get('layer1.0.conv2.weight')!.data)).toEqual(Array.from(SD.get('layer1.0.conv2.weight')!.data));
    // Protocol: HEAD without following the CDN redirect, then one GET that follows it.
    expect(h.requests.map((q) => `${q.method} ${q.url.split('/').slice(-2).join('/')}`)).toEqual([
      'HEAD main/model.safetensors',
      'GET main/model.safetensors',
      `GET cdn/${ETAG}`,
    ]);
    expect(h.requests.every((q) => q.authorization === undefined)).toBe(true);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ bytes: CONTENT.length, total: CONTENT.length, etaSeconds: 0 });
    expect(progress.length).toBeLessThan(50);

    // Second time: from the cache, no request.
    const n = h.requests.length;
    const again = await downloadWeights(REPO, opts());
    expect(again).toMatchObject({ path: r.path, fromCache: true, commit: COMMIT, etag: ETAG });
    expect(h.requests.length).toBe(n);
  });

  it('wrong sha256: refused, nothing enters the cache', async () => {
    await serve([{ fault: { kind: 'corrupt' } }]);
    const e = await failure(downloadWeights(REPO, opts()));
    expect(e.code).toBe('DOWNLOAD_CORRUPT');
    expect(e.message).toContain(ETAG);
    expect(e.message).toMatch(/sha256/);
    await expectNothingCached();
  });

  it('truncated body: refused after the retries, nothing cached', async () => {
    const h = await serve([{ fault: { kind: 'truncate', bytes: 1000 } }]);
    const e = await failure(downloadWeights(REPO, opts({ retries: 1 })));
    expect(e.code).toBe('DOWNLOAD_TRUNCATED');
    expect(e.message).toMatch(new RegExp(`1000 of ${CONTENT.length} bytes`));
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).length).toBe(2);
    await expectNothingCached();
  });

  it('connection dropped mid-stream: resumes with Range and finishes', async () => {
    const half = CONTENT.length >> 1;
    const h = await serve([{ fault: { kind: 'drop', bytes: half } }]);
    const r = await downloadWeights(REPO, opts());
    expect((await readFile(r.path)).equals(Buffer.from(CONTENT))).toBe(true);
    const cdn = h.requests.filter((q) => q.url.startsWith('/cdn/'));
    expect(cdn.length).toBe(2);
    expect(cdn[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(half);
    expect(await tree()).toEqual([`blobs/${ETAG}`, 'refs/main', `snapshots/${COMMIT}/model.safetensors`]);
  });

  it('connection dropped with no retries left: no blob, no link, no temp file; the next call succeeds', async () => {
    const h = await serve([{ fault: { kind: 'drop', bytes: 5000 } }]);
    const e = await failure(downloadWeights(REPO, opts({ retries: 0 })));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toContain(REPO);
    await expectNothingCached();
    const r = await downloadWeights(REPO, opts({ retries: 0 }));
    expect(r.fromCache).toBe(false);
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).length).toBe(2);
  });

  it('a server that ignores Range (200): restarts cleanly from zero', async () => {
    const h = await serve([{ fault: { kind: 'noRange', bytes: 7000 } }]);
    const r = await downloadWeights(REPO, opts());
    expect((await readFile(r.path)).equals(Buffer.from(CONTENT))).toBe(true);
    const cdn = h.requests.filter((q) => q.url.startsWith('/cdn/'));
    expect(cdn[1].range).toMatch(/^bytes=\d+-$/);
  });

  it('404: a clear not-found error naming the repo, no retries', async () => {
    const h = await serve();
    const e = await failure(downloadWeights('timm/no_such_model.x', opts()));
    expect(e.code).toBe('HUB_NOT_FOUND');
    expect(e.message).toMatch(/repository timm\/no_such_model\.x not found/);
    expect(e.details).toMatchObject({ status: 404, repoId: 'timm/no_such_model.x' });
    expect(h.requests.length).toBe(1);
    const e2 = await failure(downloadWeights(REPO, opts({ filename: 'pytorch_model.safetensors' })));
    expect(e2.message).toMatch(/pytorch_model\.safetensors not found in timm\/resnet_test\.a1_in1k/);
  });

  it('a hung body: DOWNLOAD_STALLED after the stall timeout, nothing cached', async () => {
    await serve([{ fault: { kind: 'hang', bytes: 3000 } }]);
    const t0 = Date.now();
    const e = await failure(downloadWeights(REPO, opts({ stallTimeoutMs: 200, retries: 0 })));
    expect(e.code).toBe('DOWNLOAD_STALLED');
    expect(e.message).toMatch(/no data for 0\.2 s/);
    expect(Date.now() - t0).toBeLessThan(3000);
    await expectNothingCached();
  });

  it('a stall is retried with Range', async () => {
    const h = await serve([{ fault: { kind: 'hang', bytes: 3000 } }]);
    const e = await failure(downloadWeights(REPO, opts({ stallTimeoutMs: 150, retries: 1 })));
    expect(e.code).toBe('DOWNLOAD_STALLED');
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).map((q) => q.range)).toEqual([undefined, 'bytes=3000-']);
  });

  it('no answer at all: DOWNLOAD_TIMEOUT after the connect timeout', async () => {
    await serve([{ fault: { kind: 'hangHead' } }]);
    const e = await failure(downloadWeights(REPO, opts({ connectTimeoutMs: 200, retries: 0 })));
    expect(e.code).toBe('DOWNLOAD_TIMEOUT');
    await expectNothingCached();
  });

  it('nothing listening: DOWNLOAD_FAILED naming the endpoint', async () => {
    const e = await failure(downloadWeights(REPO, opts({ endpoint: 'http://127.0.0.1:9', retries: 0 })));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toMatch(/127\.0\.0\.1:9/);
  });

  it('offline: no request; a cache miss is OFFLINE_CACHE_MISS; a hit is served', async () => {
    const h = await serve();
    const viaEnv = await failure(downloadWeights(REPO, opts({ env: { HF_HUB_OFFLINE: '1' } })));
    expect(viaEnv.code).toBe('OFFLINE_CACHE_MISS');
    expect(viaEnv.message).toContain(REPO);
    expect(viaEnv.message).toContain(cacheDir);
    expect(h.requests).toEqual([]);
    await downloadWeights(REPO, opts());
    const n = h.requests.length;
    const hit = await downloadWeights(REPO, opts({ offline: true }));
    expect(hit.fromCache).toBe(true);
    expect(h.requests.length).toBe(n);
    // forceDownload cannot override offline
    expect((await failure(downloadWeights(REPO, opts({ offline: true, forceDownload: true })))).code).toBe('OFFLINE_CACHE_MISS');
  });

  it('a file pre-placed in the Python layout is used with zero requests', async () => {
    const h = await serve();
    const commit = 'a'.repeat(40);
    await mkdir(join(repoDir(), 'blobs'), { recursive: true });
    await mkdir(join(repoDir(), 'snapshots', commit), { recursive: true });
    await mkdir(join(repoDir(), 'refs'), { recursive: true });
    await writeFile(join(repoDir(), 'blobs', ETAG), CONTENT);
    await symlink(`../../blobs/${ETAG}`, join(repoDir(), 'snapshots', commit, 'model.safetensors'));
    await writeFile(join(repoDir(), 'refs', 'main'), commit);
    const r = await downloadWeights(REPO, opts({ env: { HF_HUB_CACHE: cacheDir }, cacheDir: undefined }));
    expect(r).toMatchObject({ fromCache: true, commit, etag: ETAG, size: CONTENT.length });
    expect(h.requests).toEqual([]);
    // By commit hash too.
    expect((await downloadWeights(REPO, opts({ revision: commit }))).fromCache).toBe(true);
    expect(h.requests).toEqual([]);
  });

  it('two concurrent downloads of one file share one transfer', async () => {
    // 20 ms between 16 KiB chunks: with 5 ms, a loaded CI machine read the whole body in two
    // reads, so the progress check below saw only two events.
    const h = await serve([{ fault: { kind: 'slow', chunk: 16384, delayMs: 20 } }]);
    const seenA: number[] = [];
    const seenB: number[] = [];
    const [a, b] = await Promise.all([
      downloadWeights(REPO, opts({ onProgress: (p) => seenA.push(p.bytes), progressIntervalMs: 0 })),
      downloadWeights(REPO, opts({ onProgress: (p) => seenB.push(p.bytes) })),
    ]);
    expect(a).toEqual(b);
    expect(h.requests.filter((q) => q.method === 'HEAD').length).toBe(1);
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).length).toBe(1);
    expect(seenA.length).toBeGreaterThan(2);
    expect(seenB[seenB.length - 1]).toBe(CONTENT.length);
    expect(await tree()).toEqual([`blobs/${ETAG}`, 'refs/main', `snapshots/${COMMIT}/model.safetensors`]);
  });

  it('two processes downloading one file at once: both succeed, one intact blob, no temp files', async () => {
    const h = await serve([{ fault: { kind: 'slow', chunk: 16384, delayMs: 40 } }]);
    const script = join(cacheDir, '..', `ps-child-${process.pid}-${Date.now()}.mts`);
    const mod = fileURLToPath(new URL('./hubDownload.ts', import.meta.url));
    await writeFile(
      script,
      `import { downloadWeights } from ${JSON.stringify(mod)};\n` +
        `const r = await downloadWeights(process.argv[2], { cacheDir: process.argv[3], endpoint: process.argv[4], env: {} });\n` +
        `process.stdout.write(JSON.stringify(r));\n`,
    );
    const child = (): Promise<{ path: string; fromCache: boolean }> =>
      new Promise((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', script, REPO, cacheDir, h.endpoint], { cwd: process.cwd(), timeout: 60_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as { path: string; fromCache: boolean }),
        ),
      );
    try {
      const [a, b] = await Promise.all([child(), child()]);
      expect(a.path).toBe(b.path);
      expect((await readFile(a.path)).equals(Buffer.from(CONTENT))).toBe(true);
      expect(await tree()).toEqual([`blobs/${ETAG}`, 'refs/main', `snapshots/${COMMIT}/model.safetensors`]);
      // Each process made its own transfer (or found the other's finished blob).
      expect(h.requests.filter((q) => q.method === 'HEAD').length).toBeGreaterThanOrEqual(1);
    } finally {
      await rm(script, { force: true });
    }
  }, 60_000);

  it('one of two sharing callers cancels: it alone gets DOWNLOAD_CANCELLED', async () => {
    await serve([{ fault: { kind: 'slow', chunk: 16384, delayMs: 5 } }]);
    const ac = new AbortController();
    const pa = downloadWeights(REPO, opts({ signal: ac.signal, progressIntervalMs: 0, onProgress: (p) => p.bytes > 20000 && ac.abort() }));
    const pb = downloadWeights(REPO, opts());
    expect((await failure(pa)).code).toBe('DOWNLOAD_CANCELLED');
    expect((await pb).size).toBe(CONTENT.length);
  });

  it('cancellation with an AbortSignal: DOWNLOAD_CANCELLED, nothing cached', async () => {
    await serve([{ fault: { kind: 'slow', chunk: 8192, delayMs: 10 } }]);
    const ac = new AbortController();
    const e = await failure(downloadWeights(REPO, opts({ signal: ac.signal, progressIntervalMs: 0, onProgress: (p) => p.bytes > 20000 && ac.abort() })));
    expect(e.code).toBe('DOWNLOAD_CANCELLED');
    await new Promise((r) => setTimeout(r, 50));
    await expectNothingCached();
    // Already aborted: refused at once.
    expect((await failure(downloadWeights(REPO, opts({ signal: AbortSignal.abort() })))).code).toBe('DOWNLOAD_CANCELLED');
  });

  it('HF_TOKEN is sent as a Bearer token', async () => {
    const h = await serve();
    await downloadWeights(REPO, opts({ env: { HF_TOKEN: 'hf_test_token' } }));
    expect(h.requests.filter((q) => !q.url.startsWith('/cdn/')).every((q) => q.authorization === 'Bearer hf_test_token')).toBe(true);
  });

  it('another process left a blob (or a crash came after the rename): it is checked and linked', async () => {
    const h = await serve();
    await mkdir(join(repoDir(), 'blobs'), { recursive: true });
    await writeFile(join(repoDir(), 'blobs', ETAG), CONTENT);
    await writeFile(join(repoDir(), 'blobs', `${ETAG}.incomplete.deadbeef`), CONTENT.subarray(0, 10)); // someone else's transfer in flight
    const r = await downloadWeights(REPO, opts());
    expect(await readlink(r.path)).toBe(join('..', '..', 'blobs', ETAG));
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).length).toBe(0);
    // A fresh temp file of another process is left alone.
    expect((await lstat(join(repoDir(), 'blobs', `${ETAG}.incomplete.deadbeef`))).isFile()).toBe(true);
  });

  it('a corrupt blob left in the cache is replaced', async () => {
    const h = await serve();
    await mkdir(join(repoDir(), 'blobs'), { recursive: true });
    const bad = Buffer.from(CONTENT);
    bad[100] ^= 1;
    await writeFile(join(repoDir(), 'blobs', ETAG), bad);
    const r = await downloadWeights(REPO, opts());
    expect((await readFile(r.path)).equals(Buffer.from(CONTENT))).toBe(true);
    expect(h.requests.filter((q) => q.url.startsWith('/cdn/')).length).toBe(1);
  });

  it('a revision with a slash and a git (sha1) etag', async () => {
    const small = new TextEncoder().encode('{"architecture": "resnet_test"}');
    const { createHash } = await import('node:crypto');
    const gitSha = createHash('sha1').update(`blob ${small.length}\0`).update(small).digest('hex');
    await serve([{ revision: 'refs/pr/1', filename: 'config.json', content: small, etag: gitSha }]);
    const r = await downloadWeights(REPO, opts({ revision: 'refs/pr/1', filename: 'config.json' }));
    expect(r.etag).toBe(gitSha);
    expect((await readFile(join(repoDir(), 'refs', 'refs', 'pr', '1'), 'utf8')).trim()).toBe(r.commit);
  });

  it('refuses repo ids, revisions and file names that would escape the cache, before any request', async () => {
    const h = await serve();
    for (const bad of ['../evil', 'timm/..', '/etc/passwd', 'timm\\x', 'timm/a\0b', 'timm/a--b', 'a/b/c', '']) {
      expect((await failure(downloadWeights(bad, opts()))).code).toBe('BAD_REPO_ID');
    }
    for (const bad of ['../main', '/abs', 'a\\b', 'ma\0in', 'refs/../../x']) {
      expect((await failure(downloadWeights(REPO, opts({ revision: bad })))).code).toBe('BAD_REVISION');
    }
    for (const bad of ['../model.safetensors', '/model.safetensors', 'a\\b', 'C:/x', 'a//b', 'x\0']) {
      expect((await failure(downloadWeights(REPO, opts({ filename: bad })))).code).toBe('BAD_FILENAME');
    }
    expect(h.requests).toEqual([]);
  });
});

describe('hub settings', () => {
  it('reads HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE', () => {
    const s = hubSettings({ env: { HF_ENDPOINT: 'https://mirror.example/', HF_TOKEN: 't', HF_HUB_OFFLINE: 'true', HF_HOME: '/x/hf' } });
    expect(s).toEqual({ endpoint: 'https://mirror.example', token: 't', offline: true, cacheDir: join('/x/hf', 'hub') });
    expect(hubSettings({ env: {} })).toMatchObject({ endpoint: 'https://huggingface.co', token: null, offline: false });
    expect(hubSettings({ env: { HF_HUB_OFFLINE: '0' } }).offline).toBe(false);
    expect(() => hubSettings({ env: { HF_ENDPOINT: 'ftp://x' } })).toThrow(/must be an http\(s\) URL/);
  });

  it('builds resolve URLs as huggingface_hub does', () => {
    expect(resolveUrl('https://huggingface.co', 'timm/resnet50.a1_in1k', 'main', 'model.safetensors')).toBe(
      'https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors',
    );
    expect(resolveUrl('https://h', 'timm/x', 'refs/pr/1', 'a b/c.json')).toBe('https://h/timm/x/resolve/refs%2Fpr%2F1/a%20b/c.json');
  });
});
