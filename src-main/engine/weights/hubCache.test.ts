import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../errors';
import {
  hubCacheDir,
  linkSnapshot,
  listCachedRepos,
  normalizeEtag,
  removeCachedRepo,
  repoFolderName,
  repoIdFromFolder,
  resolveCachedFile,
  validateFilename,
  validateRepoId,
  validateRevision,
  verifyCachedRepo,
  writeRef,
} from './hubCache';
import { sha256Hex } from './hubTestServer';

// Lets one test make symlink() fail, as on Windows without developer mode.
const flags = vi.hoisted(() => ({ failSymlink: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    symlink: (...args: Parameters<typeof real.symlink>) =>
      flags.failSymlink ? Promise.reject(Object.assign(new Error('EPERM: symlinks not allowed'), { code: 'EPERM' })) : real.symlink(...args),
  };
});

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'ps-cache-'));
  flags.failSymlink = false;
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A repo laid out by hand, as Python's huggingface_hub would leave it. */
async function placeRepo(repoId: string, content: Uint8Array, commit: string, revision = 'main'): Promise<string> {
  const repo = join(cacheDir, repoFolderName(repoId));
  const etag = sha256Hex(content);
  await mkdir(join(repo, 'blobs'), { recursive: true });
  await mkdir(join(repo, 'snapshots', commit), { recursive: true });
  await mkdir(join(repo, 'refs'), { recursive: true });
  await writeFile(join(repo, 'blobs', etag), content);
  await symlink(`../../blobs/${etag}`, join(repo, 'snapshots', commit, 'model.safetensors'));
  await writeFile(join(repo, 'refs', revision), commit);
  return etag;
}

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);

describe('cache location', () => {
  it('HF_HUB_CACHE, else $HF_HOME/hub, else XDG, else ~/.cache/huggingface/hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/a/hub', HF_HOME: '/b' })).toBe(resolve('/a/hub'));
    expect(hubCacheDir({ HF_HOME: '/b' })).toBe(resolve('/b/hub'));
    expect(hubCacheDir({ HF_HOME: '~/hf' })).toBe(join(homedir(), 'hf', 'hub'));
    expect(hubCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe(resolve('/xdg/huggingface/hub'));
    expect(hubCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('repo folder names', () => {
    expect(repoFolderName('timm/resnet50.a1_in1k')).toBe('models--timm--resnet50.a1_in1k');
    expect(repoIdFromFolder('models--timm--resnet50.a1_in1k')).toBe('timm/resnet50.a1_in1k');
    expect(repoIdFromFolder('datasets--x--y')).toBeNull();
    expect(repoIdFromFolder('models--a--b--c')).toBeNull();
  });

  it('etags as huggingface_hub normalises them', () => {
    expect(normalizeEtag('W/"abc123"')).toBe('abc123');
    expect(normalizeEtag('"' + 'f'.repeat(64) + '"')).toBe('f'.repeat(64));
    expect(normalizeEtag('"../../x"')).toBeNull();
    expect(normalizeEtag(null)).toBeNull();
  });
});

describe('names that would escape the cache are refused', () => {
  const refused = (fn: () => unknown, code: string, what: RegExp): void => {
    let e: unknown;
    try {
      fn();
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe(code);
    expect((e as EngineError).message).toMatch(what);
  };

  it('repo ids', () => {
    expect(validateRepoId('timm/resnet50.a1_in1k')).toBe('timm/resnet50.a1_in1k');
    expect(validateRepoId('gpt2')).toBe('gpt2');
    refused(() => validateRepoId('../x'), 'BAD_REPO_ID', /'\.\.'/);
    refused(() => validateRepoId('/abs/x'), 'BAD_REPO_ID', /absolute/);
    refused(() => validateRepoId('timm\\x'), 'BAD_REPO_ID', /backslash/);
    refused(() => validateRepoId('timm/x\0'), 'BAD_REPO_ID', /NUL/);
    refused(() => validateRepoId('timm/a--b'), 'BAD_REPO_ID', /namespace\/name/);
    refused(() => validateRepoId('timm/a/b'), 'BAD_REPO_ID', /namespace\/name/);
    refused(() => validateRepoId('timm/.hidden'), 'BAD_REPO_ID', /namespace\/name/);
  });

  it('revisions', () => {
    expect(validateRevision('main')).toBe('main');
    expect(validateRevision('refs/pr/1')).toBe('refs/pr/1');
    expect(validateRevision(C1)).toBe(C1);
    refused(() => validateRevision('refs/../../x'), 'BAD_REVISION', /'\.\.'/);
    refused(() => validateRevision('/main'), 'BAD_REVISION', /absolute/);
    refused(() => validateRevision('C:main'), 'BAD_REVISION', /absolute/);
    refused(() => validateRevision('a\\b'), 'BAD_REVISION', /backslash/);
    refused(() => validateRevision('a\0'), 'BAD_REVISION', /NUL/);
    refused(() => validateRevision('a\nb'), 'BAD_REVISION', /control/);
    refused(() => validateRevision('a//b'), 'BAD_REVISION', /revision/);
  });

  it('file names', () => {
    expect(validateFilename('model.safetensors')).toBe('model.safetensors');
    expect(validateFilename('onnx/model.onnx')).toBe('onnx/model.onnx');
    refused(() => validateFilename('../x'), 'BAD_FILENAME', /'\.\.'/);
    refused(() => validateFilename('a/./b'), 'BAD_FILENAME', /file name/);
    refused(() => validateFilename('/etc/passwd'), 'BAD_FILENAME', /absolute/);
    refused(() => validateFilename('a\\..\\b'), 'BAD_FILENAME', /backslash/);
  });
});

describe('reading, listing, verifying and removing the cache', () => {
  it('resolves a cached file without any request, by revision or commit', async () => {
    const content = new Uint8Array([1, 2, 3, 4]);
    const etag = await placeRepo('timm/a.x', content, C1);
    const hit = await resolveCachedFile('timm/a.x', 'main', 'model.safetensors', { cacheDir });
    expect(hit).toEqual({ path: join(cacheDir, 'models--timm--a.x', 'snapshots', C1, 'model.safetensors'), commit: C1, etag, size: 4 });
    expect((await resolveCachedFile('timm/a.x', C1, 'model.safetensors', { cacheDir }))?.commit).toBe(C1);
    expect(await resolveCachedFile('timm/a.x', 'v2', 'model.safetensors', { cacheDir })).toBeNull();
    expect(await resolveCachedFile('timm/a.x', C2, 'model.safetensors', { cacheDir })).toBeNull();
    expect(await resolveCachedFile('timm/b.x', 'main', 'model.safetensors', { cacheDir })).toBeNull();
    // Through the environment.
    expect((await resolveCachedFile('timm/a.x', 'main', 'model.safetensors', { env: { HF_HUB_CACHE: cacheDir } }))?.etag).toBe(etag);
    // A dangling link is a miss.
    await rm(join(cacheDir, 'models--timm--a.x', 'blobs', etag));
    expect(await resolveCachedFile('timm/a.x', 'main', 'model.safetensors', { cacheDir })).toBeNull();
  });

  it("lists timm's repos with sizes, refs and snapshots", async () => {
    await placeRepo('timm/b.y', new Uint8Array(100), C1);
    await placeRepo('timm/a.x', new Uint8Array(10), C2);
    await placeRepo('someone/else', new Uint8Array(5), C1);
    await writeFile(join(cacheDir, 'models--timm--b.y', 'blobs', `${'0'.repeat(64)}.incomplete.abcd`), new Uint8Array(7));
    await mkdir(join(cacheDir, 'datasets--timm--ds'));
    const repos = await listCachedRepos({ cacheDir });
    expect(repos.map((r) => [r.repoId, r.sizeBytes, r.incompleteBytes])).toEqual([
      ['timm/a.x', 10, 0],
      ['timm/b.y', 100, 7],
    ]);
    expect(repos[1].refs).toEqual({ main: C1 });
    expect(repos[1].snapshots).toEqual({ [C1]: ['model.safetensors'] });
    expect((await listCachedRepos({ cacheDir, namespace: null })).map((r) => r.repoId)).toEqual(['someone/else', 'timm/a.x', 'timm/b.y']);
    expect(await listCachedRepos({ cacheDir: join(cacheDir, 'absent') })).toEqual([]);
  });

  it('verifies blobs against their sha256 etags', async () => {
    const content = new Uint8Array(1000).map((_, i) => i);
    const etag = await placeRepo('timm/a.x', content, C1);
    expect(await verifyCachedRepo('timm/a.x', { cacheDir })).toEqual([{ repoId: 'timm/a.x', file: `blobs/${etag}`, status: 'ok', size: 1000, expected: etag, actual: etag }]);
    const bad = Buffer.from(content);
    bad[5] ^= 1;
    await writeFile(join(cacheDir, 'models--timm--a.x', 'blobs', etag), bad);
    const [r] = await verifyCachedRepo('timm/a.x', { cacheDir });
    expect(r.status).toBe('corrupt');
    expect(r.actual).toBe(sha256Hex(bad));
    await rm(join(cacheDir, 'models--timm--a.x', 'blobs', etag));
    expect((await verifyCachedRepo('timm/a.x', { cacheDir })).map((x) => [x.file, x.status])).toEqual([[`snapshots/${C1}/model.safetensors`, 'dangling']]);
    await expect(verifyCachedRepo('timm/none.x', { cacheDir })).rejects.toMatchObject({ code: 'NOT_CACHED' });
  });

  it('a git (non-sha256) etag is reported unverified', async () => {
    const repo = join(cacheDir, 'models--timm--a.x');
    await mkdir(join(repo, 'blobs'), { recursive: true });
    await writeFile(join(repo, 'blobs', C2), 'x');
    expect((await verifyCachedRepo('timm/a.x', { cacheDir }))[0].status).toBe('unverified');
  });

  it('removes a repo and its lock folder, and nothing else', async () => {
    await placeRepo('timm/a.x', new Uint8Array(10), C1);
    await placeRepo('timm/b.y', new Uint8Array(20), C1);
    await mkdir(join(cacheDir, '.locks', 'models--timm--a.x'), { recursive: true });
    expect(await removeCachedRepo('timm/a.x', { cacheDir })).toEqual({ freedBytes: 10 });
    expect((await listCachedRepos({ cacheDir })).map((r) => r.repoId)).toEqual(['timm/b.y']);
    await expect(lstat(join(cacheDir, '.locks', 'models--timm--a.x'))).rejects.toThrow();
    expect(await removeCachedRepo('timm/a.x', { cacheDir })).toBeNull();
    await expect(removeCachedRepo('../b', { cacheDir })).rejects.toMatchObject({ code: 'BAD_REPO_ID' });
  });
});

describe('writing the layout', () => {
  async function withBlob(content: Uint8Array): Promise<string> {
    const etag = sha256Hex(content);
    await mkdir(join(cacheDir, 'models--timm--a.x', 'blobs'), { recursive: true });
    await writeFile(join(cacheDir, 'models--timm--a.x', 'blobs', etag), content);
    return etag;
  }

  it('links snapshots relatively (nested file names too) and replaces an old link', async () => {
    const etag = await withBlob(new Uint8Array([9]));
    const p = await linkSnapshot(cacheDir, 'timm/a.x', C1, 'model.safetensors', etag);
    expect(await readlink(p)).toBe(join('..', '..', 'blobs', etag));
    const nested = await linkSnapshot(cacheDir, 'timm/a.x', C1, 'onnx/model.onnx', etag);
    expect(await readlink(nested)).toBe(join('..', '..', '..', 'blobs', etag));
    await linkSnapshot(cacheDir, 'timm/a.x', C1, 'model.safetensors', etag);
    expect([...(await readFile(p))]).toEqual([9]);
  });

  it('falls back to a copy where symlinks fail', async () => {
    flags.failSymlink = true;
    const etag = await withBlob(new Uint8Array([7, 7]));
    const p = await linkSnapshot(cacheDir, 'timm/a.x', C1, 'model.safetensors', etag);
    expect((await lstat(p)).isFile()).toBe(true);
    expect([...(await readFile(p))]).toEqual([7, 7]);
    await writeRef(cacheDir, 'timm/a.x', 'main', C1);
    const hit = await resolveCachedFile('timm/a.x', 'main', 'model.safetensors', { cacheDir });
    expect(hit).toMatchObject({ path: p, commit: C1, etag: null, size: 2 });
    // A copy counts toward the size on disk.
    expect((await listCachedRepos({ cacheDir }))[0].sizeBytes).toBe(4);
  });

  it('writes refs (nested for refs/pr/N), not for a commit revision', async () => {
    await writeRef(cacheDir, 'timm/a.x', 'main', C1);
    await writeRef(cacheDir, 'timm/a.x', 'refs/pr/3', C2);
    await writeRef(cacheDir, 'timm/a.x', C2, C2);
    expect(await readFile(join(cacheDir, 'models--timm--a.x', 'refs', 'main'), 'utf8')).toBe(C1);
    expect(await readFile(join(cacheDir, 'models--timm--a.x', 'refs', 'refs', 'pr', '3'), 'utf8')).toBe(C2);
    await expect(writeRef(cacheDir, 'timm/a.x', 'main', '../x')).rejects.toMatchObject({ code: 'BAD_COMMIT' });
  });
});
