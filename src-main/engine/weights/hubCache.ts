/**
 * The Hugging Face hub cache, laid out exactly as Python's huggingface_hub
 * lays it out, so that files either side downloads are shared:
 *
 *   <cache>/models--timm--resnet50.a1_in1k/
 *     blobs/<etag>                                   the file's bytes
 *     snapshots/<commit>/model.safetensors           → ../../blobs/<etag> (relative symlink; a copy where symlinks fail)
 *     refs/<revision>                                the commit hash the revision pointed at
 *
 * <cache> is HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
 * else ~/.cache/huggingface/hub. Nothing here makes a request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { EngineError } from '../errors';

export interface CacheOptions {
  /** The hub cache folder; default from the environment as huggingface_hub reads it. */
  cacheDir?: string;
  /** The environment to read HF_* variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_REVISION = 'main';
export const WEIGHTS_FILENAME = 'model.safetensors';
export const COMMIT_RE = /^[0-9a-f]{40}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const ETAG_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** Marks a download in progress: blobs/<etag>.incomplete.<random>. */
export const INCOMPLETE_MARK = '.incomplete.';

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** huggingface_hub's HF_HUB_CACHE resolution. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (explicit) return resolve(expandHome(explicit));
  if (env.HF_HOME) return resolve(expandHome(env.HF_HOME), 'hub');
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return resolve(xdg, 'huggingface', 'hub');
}

export function resolveCacheDir(o: CacheOptions = {}): string {
  return o.cacheDir ? resolve(o.cacheDir) : hubCacheDir(o.env ?? process.env);
}

// ---------------------------------------------------------------- names

function badName(code: string, what: string, value: string, allowed: string): EngineError {
  return new EngineError(code, `${what} ${JSON.stringify(value)} is not allowed: ${allowed}`, { value });
}

function pathHazard(value: string): string | null {
  if (value.includes('\0')) return 'it contains a NUL byte';
  if (value.includes('\\')) return 'it contains a backslash';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) return 'it is an absolute path';
  if (value.split('/').some((s) => s === '..')) return "it contains '..'";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'it contains a control character';
  }
  return null;
}

const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** A hub model id, 'timm/resnet50.a1_in1k' (huggingface_hub's validate_repo_id rules, plus no path tricks). */
export function validateRepoId(repoId: string): string {
  const allowed = "a repo id is 'namespace/name' (letters, digits, '_', '-', '.'; no '--' or '..'), e.g. 'timm/resnet50.a1_in1k'";
  if (typeof repoId !== 'string' || repoId.length === 0) throw badName('BAD_REPO_ID', 'repo id', String(repoId), allowed);
  const hazard = pathHazard(repoId);
  if (hazard) throw badName('BAD_REPO_ID', 'repo id', repoId, `${hazard}; ${allowed}`);
  const parts = repoId.split('/');
  if (
    parts.length > 2 ||
    !parts.every((p) => REPO_PART.test(p)) ||
    repoId.includes('--') ||
    repoId.includes('..') ||
    parts[parts.length - 1].length > 96 ||
    repoId.endsWith('.git')
  ) {
    throw badName('BAD_REPO_ID', 'repo id', repoId, allowed);
  }
  return repoId;
}

/** A branch, tag, 'refs/pr/N' or a 40-hex commit hash. */
export function validateRevision(revision: string): string {
  const allowed = "a revision is a branch or tag name (e.g. 'main', 'refs/pr/1') or a 40-hex commit hash";
  if (typeof revision !== 'string' || revision.length === 0) throw badName('BAD_REVISION', 'revision', String(revision), allowed);
  const hazard = pathHazard(revision);
  if (hazard) throw badName('BAD_REVISION', 'revision', revision, `${hazard}; ${allowed}`);
  if (!revision.split('/').every((s) => /^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*$/.test(s)) || revision.length > 255) {
    throw badName('BAD_REVISION', 'revision', revision, allowed);
  }
  return revision;
}

/** A file path inside a repo: relative, '/'-separated, no '.' or '..' segments. */
export function validateFilename(filename: string): string {
  const allowed = "a file name inside the repo, relative, with '/' between folders, e.g. 'model.safetensors'";
  if (typeof filename !== 'string' || filename.length === 0) throw badName('BAD_FILENAME', 'file name', String(filename), allowed);
  const hazard = pathHazard(filename);
  if (hazard) throw badName('BAD_FILENAME', 'file name', filename, `${hazard}; ${allowed}`);
  if (filename.split('/').some((s) => s === '' || s === '.' || s.includes(':')) || filename.length > 1024) {
    throw badName('BAD_FILENAME', 'file name', filename, allowed);
  }
  return filename;
}

/** An etag as a blob file name: huggingface_hub strips W/ and quotes; we allow only hex-like names. */
export function normalizeEtag(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const etag = raw.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return ETAG_RE.test(etag) ? etag : null;
}

export function isSha256(etag: string): boolean {
  return SHA256_RE.test(etag);
}

/** 'timm/resnet50.a1_in1k' → 'models--timm--resnet50.a1_in1k'. */
export function repoFolderName(repoId: string): string {
  return `models--${validateRepoId(repoId).split('/').join('--')}`;
}

/** 'models--timm--resnet50.a1_in1k' → 'timm/resnet50.a1_in1k' (null for anything else). */
export function repoIdFromFolder(folder: string): string | null {
  if (!folder.startsWith('models--')) return null;
  const id = folder.slice('models--'.length).split('--').join('/');
  try {
    return validateRepoId(id);
  } catch {
    return null;
  }
}

export interface RepoPaths {
  repo: string;
  blobs: string;
  snapshots: string;
  refs: string;
}

export function repoPaths(cacheDir: string, repoId: string): RepoPaths {
  const repo = join(cacheDir, repoFolderName(repoId));
  return { repo, blobs: join(repo, 'blobs'), snapshots: join(repo, 'snapshots'), refs: join(repo, 'refs') };
}

export function blobPath(cacheDir: string, repoId: string, etag: string): string {
  if (!ETAG_RE.test(etag)) throw new EngineError('BAD_ETAG', `etag ${JSON.stringify(etag)} cannot name a blob; allowed: letters, digits, '_' and '-'`, { etag });
  return join(repoPaths(cacheDir, repoId).blobs, etag);
}

export function snapshotPath(cacheDir: string, repoId: string, commit: string, filename: string): string {
  if (!COMMIT_RE.test(commit)) throw new EngineError('BAD_COMMIT', `commit ${JSON.stringify(commit)} is not a 40-hex commit hash`, { commit });
  return join(repoPaths(cacheDir, repoId).snapshots, commit, ...validateFilename(filename).split('/'));
}

// ---------------------------------------------------------------- reading

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The commit a revision points at in the cache (the revision itself when it is a commit hash), or null. */
export async function cachedCommit(repoId: string, revision: string, o: CacheOptions = {}): Promise<string | null> {
  validateRevision(revision);
  if (COMMIT_RE.test(revision)) return revision;
  const refFile = join(repoPaths(resolveCacheDir(o), repoId).refs, ...revision.split('/'));
  try {
    const commit = (await readFile(refFile, 'utf8')).trim();
    return COMMIT_RE.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

export interface CachedFile {
  /** snapshots/<commit>/<filename> (usually a symlink into blobs/). */
  path: string;
  commit: string;
  /** The blob's etag when the snapshot file links to a blob. */
  etag: string | null;
  size: number;
}

/** A cached file for (repoId, revision, filename), as huggingface_hub's try_to_load_from_cache: no request. */
export async function resolveCachedFile(repoId: string, revision: string, filename: string, o: CacheOptions = {}): Promise<CachedFile | null> {
  validateRepoId(repoId);
  validateFilename(filename);
  const commit = await cachedCommit(repoId, revision, o);
  if (!commit) return null;
  const path = snapshotPath(resolveCacheDir(o), repoId, commit, filename);
  let size: number;
  try {
    const st = await stat(path); // follows the link: a dangling link is a miss
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  let etag: string | null = null;
  try {
    const target = await readlink(path);
    const name = target.split(/[/\\]/).pop() ?? '';
    etag = ETAG_RE.test(name) ? name : null;
  } catch {
    etag = null; // a copy, not a link
  }
  return { path, commit, etag, size };
}

export interface CachedRepo {
  repoId: string;
  path: string;
  /** Bytes on disk: blobs plus snapshot files that are copies, not links. */
  sizeBytes: number;
  /** Bytes of unfinished downloads (blobs/*.incomplete.*). */
  incompleteBytes: number;
  /** revision → commit. */
  refs: Record<string, string>;
  /** commit → files in that snapshot. */
  snapshots: Record<string, string[]>;
  lastModified: Date;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function describeRepo(cacheDir: string, repoId: string): Promise<CachedRepo | null> {
  const p = repoPaths(cacheDir, repoId);
  if (!(await exists(p.repo))) return null;
  let sizeBytes = 0;
  let incompleteBytes = 0;
  let lastModified = 0;
  for (const name of await listFiles(p.blobs)) {
    const st = await lstat(join(p.blobs, name));
    if (name.includes(INCOMPLETE_MARK)) incompleteBytes += st.size;
    else sizeBytes += st.size;
    lastModified = Math.max(lastModified, st.mtimeMs);
  }
  const snapshots: Record<string, string[]> = {};
  for (const rel of await listFiles(p.snapshots)) {
    const [commit, ...rest] = rel.split('/');
    if (rest.length === 0 || rel.includes('.tmp.')) continue;
    (snapshots[commit] ??= []).push(rest.join('/'));
    const st = await lstat(join(p.snapshots, ...rel.split('/')));
    if (st.isFile()) sizeBytes += st.size;
    lastModified = Math.max(lastModified, st.mtimeMs);
  }
  const refs: Record<string, string> = {};
  for (const rel of await listFiles(p.refs)) {
    if (rel.includes('.tmp.')) continue;
    try {
      refs[rel] = (await readFile(join(p.refs, ...rel.split('/')), 'utf8')).trim();
    } catch {
      /* unreadable ref: skip */
    }
  }
  return { repoId, path: p.repo, sizeBytes, incompleteBytes, refs, snapshots, lastModified: new Date(lastModified) };
}

export interface ListOptions extends CacheOptions {
  /** Only repos of this namespace ('timm' by default; null for all). */
  namespace?: string | null;
}

/** The cached model repos (timm's by default), with their sizes, sorted by repo id. */
export async function listCachedRepos(o: ListOptions = {}): Promise<CachedRepo[]> {
  const cacheDir = resolveCacheDir(o);
  const namespace = o.namespace === undefined ? 'timm' : o.namespace;
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return [];
  }
  const out: CachedRepo[] = [];
  for (const name of names.sort()) {
    const repoId = repoIdFromFolder(name);
    if (!repoId || (namespace !== null && !repoId.startsWith(`${namespace}/`))) continue;
    const d = await describeRepo(cacheDir, repoId);
    // An empty shell (a download that failed before anything was cached) is not listed.
    if (d && (d.sizeBytes > 0 || d.incompleteBytes > 0 || Object.keys(d.snapshots).length > 0 || Object.keys(d.refs).length > 0)) out.push(d);
  }
  return out;
}

export async function describeCachedRepo(repoId: string, o: CacheOptions = {}): Promise<CachedRepo | null> {
  return describeRepo(resolveCacheDir(o), validateRepoId(repoId));
}

// ---------------------------------------------------------------- verify / remove

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export type VerifyStatus = 'ok' | 'corrupt' | 'unverified' | 'dangling' | 'incomplete';

export interface VerifyEntry {
  repoId: string;
  /** Path relative to the repo folder: 'blobs/<etag>' or 'snapshots/<commit>/<file>'. */
  file: string;
  status: VerifyStatus;
  size: number;
  expected?: string;
  actual?: string;
}

/**
 * Checks a cached repo: each blob whose etag is a sha256 must hash to it
 * ('ok' / 'corrupt'; other etags are 'unverified'), each snapshot link must
 * resolve ('dangling' otherwise); leftover partial downloads are 'incomplete'.
 */
export async function verifyCachedRepo(repoId: string, o: CacheOptions = {}): Promise<VerifyEntry[]> {
  const p = repoPaths(resolveCacheDir(o), validateRepoId(repoId));
  if (!(await exists(p.repo))) {
    throw new EngineError('NOT_CACHED', `${repoId} is not in the hub cache (${dirname(p.repo)})`, { repoId, cacheDir: dirname(p.repo) });
  }
  const out: VerifyEntry[] = [];
  for (const name of await listFiles(p.blobs)) {
    const file = join(p.blobs, ...name.split('/'));
    const { size } = await lstat(file);
    const rel = `blobs/${name}`;
    if (name.includes(INCOMPLETE_MARK)) out.push({ repoId, file: rel, status: 'incomplete', size });
    else if (isSha256(name)) {
      const actual = await sha256File(file);
      out.push({ repoId, file: rel, status: actual === name ? 'ok' : 'corrupt', size, expected: name, actual });
    } else out.push({ repoId, file: rel, status: 'unverified', size });
  }
  for (const rel of await listFiles(p.snapshots)) {
    const file = join(p.snapshots, ...rel.split('/'));
    try {
      await stat(file);
    } catch {
      out.push({ repoId, file: `snapshots/${rel}`, status: 'dangling', size: 0 });
    }
  }
  return out;
}

/** Removes a repo's folder from the cache (and its huggingface_hub lock folder). Returns the bytes freed, or null when it was not cached. */
export async function removeCachedRepo(repoId: string, o: CacheOptions = {}): Promise<{ freedBytes: number } | null> {
  const cacheDir = resolveCacheDir(o);
  const d = await describeRepo(cacheDir, validateRepoId(repoId));
  if (!d) return null;
  // Belt and braces: the folder must sit directly in the cache folder.
  if (dirname(d.path) !== cacheDir || !d.path.startsWith(cacheDir + sep)) {
    throw new EngineError('BAD_REPO_ID', `refusing to remove ${d.path}: not directly inside the cache ${cacheDir}`);
  }
  await rm(d.path, { recursive: true, force: true });
  await rm(join(cacheDir, '.locks', repoFolderName(repoId)), { recursive: true, force: true });
  return { freedBytes: d.sizeBytes + d.incompleteBytes };
}

// ---------------------------------------------------------------- writing (used by hubDownload)

export function tempSuffix(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Points snapshots/<commit>/<filename> at blobs/<etag> with a relative
 * symlink (as huggingface_hub does); where symlinks fail, a copy. Either is
 * made under a temporary name and renamed into place, so a reader never sees
 * a half-made pointer.
 */
export async function linkSnapshot(cacheDir: string, repoId: string, commit: string, filename: string, etag: string): Promise<string> {
  const blob = blobPath(cacheDir, repoId, etag);
  const pointer = snapshotPath(cacheDir, repoId, commit, filename);
  await mkdir(dirname(pointer), { recursive: true });
  const tmp = `${pointer}.tmp.${tempSuffix()}`;
  try {
    await symlink(relative(dirname(pointer), blob), tmp);
  } catch {
    await rm(tmp, { force: true });
    try {
      await copyFile(blob, tmp);
    } catch (e) {
      await rm(tmp, { force: true }); // a copy cut short (a full disk) must not stay
      throw e;
    }
  }
  try {
    await rename(tmp, pointer);
  } catch (e) {
    await rm(tmp, { force: true });
    if (!(await exists(pointer))) throw e;
  }
  return pointer;
}

/** Writes refs/<revision> = commit (nothing when the revision is itself a commit). */
export async function writeRef(cacheDir: string, repoId: string, revision: string, commit: string): Promise<void> {
  validateRevision(revision);
  if (COMMIT_RE.test(revision)) return;
  if (!COMMIT_RE.test(commit)) throw new EngineError('BAD_COMMIT', `commit ${JSON.stringify(commit)} is not a 40-hex commit hash`, { commit });
  const refFile = join(repoPaths(cacheDir, repoId).refs, ...revision.split('/'));
  try {
    if ((await readFile(refFile, 'utf8')).trim() === commit) return;
  } catch {
    /* no ref yet */
  }
  await mkdir(dirname(refFile), { recursive: true });
  const tmp = `${refFile}.tmp.${tempSuffix()}`;
  try {
    // Inside the try: a write that fails (a full disk) leaves an empty temp file to remove.
    await writeFile(tmp, commit);
    await rename(tmp, refFile);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
