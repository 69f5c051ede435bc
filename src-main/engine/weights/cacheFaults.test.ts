/**
 * Cache faults: a disk that fills during a weights download or a local-store
 * write, a read-only cache folder, and a cache folder removed while the app
 * runs. Each time: a clear error naming the folder (NO_SPACE, CACHE_READ_ONLY,
 * CACHE_WRITE_FAILED — never INTERNAL across the contract), nothing
 * half-written left in the cache (no partial blob, no temp file), and the
 * engine keeps working (the next request succeeds).
 *
 * A full disk is a 2 MiB tmpfs, and a read-only one a tmpfs remounted
 * read-only: that needs root with CAP_SYS_ADMIN (CI here has it). Without it
 * the full-disk tests skip with the reason printed, and read-only falls back to
 * chmod 0555 (which root ignores, hence the mount). The hub is the loopback
 * test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../errors';
import { EngineService, toContractError } from '../service';
import { createModel } from '../zoo/builder';
import { formulaStateDict } from './formula';
import { downloadWeights, type DownloadOptions } from './hubDownload';
import { listCachedRepos } from './hubCache';
import { startTestHub, type TestHub } from './hubTestServer';
import { LocalWeightsStore } from './localStore';
import { serializeSafetensors } from './safetensors';

const MiB = 2 ** 20;
const base = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-cachefaults-'));
const mounts: string[] = [];

/** Mounts a tmpfs of `size` at a new folder; the reason when this machine does not allow it. */
function tmpfs(name: string, size: string): { dir: string } | { reason: string } {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe', timeout: 10_000 });
    mounts.push(dir);
    return { dir };
  } catch (e) {
    const why = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim().split('\n')[0];
    return { reason: `cannot mount a tmpfs here (${process.getuid?.() === 0 ? 'root' : 'not root'}): ${why}` };
  }
}

function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe', timeout: 10_000 });
}

const probe = tmpfs('probe', '1m');
const mountReason = 'reason' in probe ? probe.reason : undefined;
if (mountReason) console.log(`[cache faults] full-disk and read-only-mount cases skip: ${mountReason}`);
const isRoot = process.getuid?.() === 0;

/** Every file under dir (relative), folders left out. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** A refusal that must be an EngineError; crossing the contract, it keeps its code (never INTERNAL). */
async function refused(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EngineError);
  expect(toContractError(e).code).not.toBe('INTERNAL');
  return e as EngineError;
}

/** Byte equality without a deep compare of every element (slow for MiBs). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const BIG = new Uint8Array(randomBytes(3 * MiB));
const SMALL = new Uint8Array(randomBytes(256 * 1024));
let hub: TestHub;
const opts = (cacheDir: string, extra: DownloadOptions = {}): DownloadOptions => ({ cacheDir, endpoint: hub.endpoint, env: {}, retryDelayMs: 10, connectTimeoutMs: 5000, stallTimeoutMs: 5000, ...extra });

beforeAll(async () => {
  hub = await startTestHub([
    { repoId: 'timm/big.test', content: BIG },
    { repoId: 'timm/small.test', content: SMALL },
    { repoId: 'timm/other.test', content: SMALL.slice(1) },
    { repoId: 'timm/slow.test', content: new Uint8Array(randomBytes(MiB)), fault: { kind: 'slow', chunk: 64 * 1024, delayMs: 15 } },
    // What 'weights:download resnet18' asks the hub for: bigger than the full disk.
    { repoId: 'timm/resnet18.a1_in1k', content: BIG },
  ]);
});

afterAll(async () => {
  await hub?.close();
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe', timeout: 10_000 });
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'pipe', timeout: 10_000 });
    }
  }
  for (const d of [base]) {
    try {
      chmodSync(d, 0o755);
    } catch {
      /* gone */
    }
  }
  rmSync(base, { recursive: true, force: true });
});

describe('a disk that fills', () => {
  it.skipIf(mountReason)('during a hub download: NO_SPACE naming the cache, no partial blob or temp file, and the next download works', async () => {
    const { dir } = tmpfs('hub-full', '2m') as { dir: string };
    const e = await refused(downloadWeights('timm/big.test', opts(dir)));
    expect(e.code).toBe('NO_SPACE');
    expect(e.message).toContain(dir);
    expect(e.message).toContain('timm/big.test');
    expect(files(dir), 'left in the cache').toEqual([]);
    const ok = await downloadWeights('timm/small.test', opts(dir));
    expect(statSync(ok.path).size).toBe(SMALL.byteLength);
    expect(files(dir).filter((f) => f.includes('.incomplete.') || f.includes('.tmp.'))).toEqual([]);
  });

  it.skipIf(mountReason)('during weights:download through the engine: the contract error says NO_SPACE, and the engine keeps answering', async () => {
    const { dir } = tmpfs('engine-full', '2m') as { dir: string };
    const saved = { HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
    Object.assign(process.env, { HF_HUB_CACHE: dir, HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: '0' });
    const service = new EngineService();
    try {
      const e = await refused(service.handle('weights:download', { tag: 'resnet18.a1_in1k' }));
      expect(toContractError(e)).toMatchObject({ code: 'NO_SPACE' });
      expect(e.message).toContain(dir);
      expect(files(dir)).toEqual([]);
      expect((await service.handle('weights:list', {})).repos).toEqual([]);
      const r = await service.handle('features:compute', { model: 'resnet18', inputSize: 32, outIndices: [4], image: { kind: 'sample', name: 'coffee' } });
      expect(r.levels[0].shape).toEqual([512, 1, 1]);
    } finally {
      service.dispose();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it.skipIf(mountReason)('during a local-store write: NO_SPACE naming the store, no temp or name file, and the next write works', async () => {
    const { dir } = tmpfs('local-full', '2m') as { dir: string };
    const store = new LocalWeightsStore(dir);
    const e = await refused(store.put(BIG, 'big.safetensors'));
    expect(e.code).toBe('NO_SPACE');
    expect(e.message).toContain(dir);
    expect(e.message).toContain('big.safetensors');
    expect(files(dir)).toEqual([]);
    const sha = await store.put(SMALL, 'small.safetensors');
    expect(files(dir)).toEqual([`${sha}.json`, `${sha}.safetensors`]);
    expect(same(await store.read(sha), SMALL)).toBe(true);
  });

  it.skipIf(mountReason)('for a weights file sent to the engine: the run still succeeds (not stored), nothing is left, and the next run works', async () => {
    const { dir } = tmpfs('engine-local-full', '2m') as { dir: string };
    const model = 'ese_vovnet19b_slim_dw';
    const bytes = serializeSafetensors(formulaStateDict(createModel(model).model.registry.list().map((p) => p.ref)));
    expect(bytes.byteLength).toBeGreaterThan(2 * MiB);
    const saved = process.env.PYRAMIDSCOPE_WEIGHTS_DIR;
    process.env.PYRAMIDSCOPE_WEIGHTS_DIR = dir;
    const service = new EngineService();
    try {
      const request = { model, inputSize: 32, outIndices: [-1], image: { kind: 'sample', name: 'coffee' } } as const;
      const r = await service.handle('features:compute', { ...request, weights: { kind: 'file', name: 'mine.safetensors', bytes } });
      expect(r.weights).toMatchObject({ kind: 'file', name: 'mine.safetensors', stored: false });
      expect(files(dir)).toEqual([]);
      const next = await service.handle('features:compute', { ...request, inputSize: 48 });
      expect(next.levels.length).toBe(1);
    } finally {
      service.dispose();
      if (saved === undefined) delete process.env.PYRAMIDSCOPE_WEIGHTS_DIR;
      else process.env.PYRAMIDSCOPE_WEIGHTS_DIR = saved;
    }
  });
});

/** A folder that cannot be written: a read-only tmpfs as root, else chmod 0555; undefined when neither works. */
function readOnlyFolder(name: string, fill: (dir: string) => Promise<void>): Promise<string | undefined> {
  return (async () => {
    if (!mountReason) {
      const { dir } = tmpfs(name, '8m') as { dir: string };
      await fill(dir);
      remountReadOnly(dir);
      return dir;
    }
    if (isRoot) return undefined; // root writes through 0555
    const dir = path.join(base, name);
    mkdirSync(dir, { recursive: true });
    await fill(dir);
    const lock = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) lock(path.join(d, e.name));
      chmodSync(d, 0o555);
    };
    lock(dir);
    return dir;
  })();
}
const readOnlyReason = mountReason && isRoot ? `${mountReason}; and root ignores chmod 0555` : undefined;
if (readOnlyReason) console.log(`[cache faults] read-only cases skip: ${readOnlyReason}`);

describe('a read-only cache folder', () => {
  it.skipIf(readOnlyReason)('serves what it holds, refuses a download with CACHE_READ_ONLY naming it, and writes nothing', async () => {
    const dir = (await readOnlyFolder('hub-ro', (d) => downloadWeights('timm/small.test', opts(d)).then(() => undefined)))!;
    const before = files(dir);
    const hit = await downloadWeights('timm/small.test', opts(dir));
    expect(hit.fromCache).toBe(true);
    const e = await refused(downloadWeights('timm/other.test', opts(dir)));
    expect(e.code).toBe('CACHE_READ_ONLY');
    expect(e.message).toContain(dir);
    expect(files(dir)).toEqual(before);
    expect((await listCachedRepos({ cacheDir: dir })).map((r) => r.repoId)).toEqual(['timm/small.test']);
  });

  it.skipIf(readOnlyReason)('local store: refuses a write with CACHE_READ_ONLY naming it, and still reads and lists what it holds', async () => {
    let sha = '';
    const dir = (await readOnlyFolder('local-ro', async (d) => void (sha = await new LocalWeightsStore(d).put(SMALL, 'small.safetensors'))))!;
    const store = new LocalWeightsStore(dir);
    const e = await refused(store.put(BIG, 'big.safetensors'));
    expect(e.code).toBe('CACHE_READ_ONLY');
    expect(e.message).toContain(dir);
    expect(files(dir)).toEqual([`${sha}.json`, `${sha}.safetensors`]);
    expect(same(await store.read(sha), SMALL)).toBe(true);
    expect((await store.list()).map((w) => w.name)).toEqual(['small.safetensors']);
  });
});

describe('a cache folder removed while the app runs', () => {
  it('hub: a download after the removal makes the folder anew', async () => {
    const dir = path.join(base, 'hub-removed');
    await downloadWeights('timm/small.test', opts(dir));
    rmSync(dir, { recursive: true, force: true });
    expect(await listCachedRepos({ cacheDir: dir })).toEqual([]);
    const again = await downloadWeights('timm/small.test', opts(dir));
    expect(again.fromCache).toBe(false);
    expect(statSync(again.path).size).toBe(SMALL.byteLength);
  });

  it('hub: removed during a download, it fails naming the folder, leaves nothing, and the retry works', async () => {
    const dir = path.join(base, 'hub-removed-midway');
    let removed = false;
    const e = await refused(
      downloadWeights(
        'timm/slow.test',
        opts(dir, {
          progressIntervalMs: 0,
          onProgress: (p) => {
            if (!removed && p.bytes > 0) {
              removed = true;
              rmSync(dir, { recursive: true, force: true });
            }
          },
        }),
      ),
    );
    expect(removed).toBe(true);
    expect(e.code).toBe('CACHE_WRITE_FAILED');
    expect(e.message).toContain(dir);
    expect(files(dir)).toEqual([]);
    const retry = await downloadWeights('timm/slow.test', opts(dir));
    expect(statSync(retry.path).size).toBe(MiB);
    expect(files(dir).filter((f) => f.includes('.incomplete.'))).toEqual([]);
  });

  it('local store: reads nothing, lists nothing, and the next write makes the folder anew', async () => {
    const dir = path.join(base, 'local-removed');
    const store = new LocalWeightsStore(dir);
    const sha = await store.put(SMALL, 'small.safetensors');
    rmSync(dir, { recursive: true, force: true });
    expect(await store.read(sha)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.put(SMALL, 'small.safetensors');
    expect(same(await store.read(sha), SMALL)).toBe(true);
  });
});
