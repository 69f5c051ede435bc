/**
 * Local .safetensors files the user loaded, kept by content (sha256) in the
 * app's cache: a file crosses to the engine once, and later computes and
 * reopened session files name it by its hash. Each file is written to a
 * unique temp name and renamed into place, so the store never holds a
 * half-written file; a crash leaves at most a temp file, which nothing reads.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors';
import { cacheWriteError } from './cacheErrors';

export interface LocalWeights {
  sha256: string;
  /** The file name it was loaded under (the first time). */
  name: string;
  sizeBytes: number;
}

/** PYRAMIDSCOPE_WEIGHTS_DIR, else $XDG_CACHE_HOME (or ~/.cache)/pyramidscope/local-weights. */
export function localWeightsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYRAMIDSCOPE_WEIGHTS_DIR) return resolve(env.PYRAMIDSCOPE_WEIGHTS_DIR);
  return resolve(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pyramidscope', 'local-weights');
}

const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkHash(sha256: string): void {
  if (!SHA256.test(sha256)) throw new EngineError('BAD_SHA256', `'${sha256.slice(0, 80)}' is not a sha256 (64 lowercase hex digits)`);
}

export class LocalWeightsStore {
  constructor(readonly dir: string = localWeightsDir()) {}

  private file(sha256: string, ext: 'safetensors' | 'json'): string {
    checkHash(sha256);
    return join(this.dir, `${sha256}.${ext}`);
  }

  /** Writes `data` to `path` through a unique temp file and a rename. */
  private async atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
    const tmp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Keeps `bytes` (already checked to be safetensors) under their hash; a no-op when present.
   * A full disk, a read-only folder or one removed meanwhile throws NO_SPACE / CACHE_READ_ONLY /
   * CACHE_WRITE_FAILED naming the folder, and leaves nothing of this file behind.
   */
  async put(bytes: Uint8Array, name: string, sha256 = sha256Of(bytes)): Promise<string> {
    const target = this.file(sha256, 'safetensors');
    const nameFile = this.file(sha256, 'json');
    if (await this.has(sha256)) return sha256;
    try {
      await mkdir(this.dir, { recursive: true });
      // The name first: a listed file always has one.
      await this.atomicWrite(nameFile, JSON.stringify({ name }));
      await this.atomicWrite(target, bytes);
    } catch (e) {
      // A name without its file lists nothing, but it is litter: remove it with the rest.
      await rm(nameFile, { force: true }).catch(() => undefined);
      throw cacheWriteError(e, { dir: this.dir, what: `the weights file '${name.slice(0, 200)}'`, envVar: 'PYRAMIDSCOPE_WEIGHTS_DIR' });
    }
    return sha256;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.file(sha256, 'safetensors'))).isFile();
    } catch (e) {
      if (e instanceof EngineError) throw e;
      return false;
    }
  }

  /** The bytes stored under `sha256`, verified against it; undefined when absent. */
  async read(sha256: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.file(sha256, 'safetensors')));
    } catch (e) {
      if (e instanceof EngineError) throw e;
      return undefined;
    }
    if (sha256Of(bytes) !== sha256) {
      // Changed on disk behind our back: drop it rather than compute with other weights.
      await this.remove(sha256);
      return undefined;
    }
    return bytes;
  }

  async list(): Promise<LocalWeights[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: LocalWeights[] = [];
    for (const f of names) {
      const sha256 = f.replace(/\.safetensors$/, '');
      if (!f.endsWith('.safetensors') || !SHA256.test(sha256)) continue;
      try {
        const { size } = await stat(join(this.dir, f));
        const meta = JSON.parse(await readFile(this.file(sha256, 'json'), 'utf8')) as { name?: unknown };
        out.push({ sha256, name: typeof meta.name === 'string' ? meta.name : f, sizeBytes: size });
      } catch {
        // removed meanwhile, or its name file is gone: list it by hash
        out.push({ sha256, name: f, sizeBytes: 0 });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async remove(sha256: string): Promise<{ removed: boolean; freedBytes: number }> {
    const target = this.file(sha256, 'safetensors');
    let size = 0;
    try {
      size = (await stat(target)).size;
    } catch {
      return { removed: false, freedBytes: 0 };
    }
    await rm(target, { force: true });
    await rm(this.file(sha256, 'json'), { force: true });
    return { removed: true, freedBytes: size };
  }
}
