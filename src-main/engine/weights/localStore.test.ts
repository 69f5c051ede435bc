/** The local weights store: real files in a temp folder. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalWeightsStore, localWeightsDir, sha256Of } from './localStore';

const tempStore = () => new LocalWeightsStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-local-')), 'store'));

describe('LocalWeightsStore', () => {
  it('keeps bytes under their sha256, reads them back, lists them with their name, and removes them', async () => {
    const store = tempStore();
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const sha = await store.put(bytes, 'mine.safetensors');
    expect(sha).toBe(sha256Of(bytes));
    expect(Array.from((await store.read(sha)) ?? [])).toEqual([1, 2, 3, 4, 5]);
    expect(await store.put(bytes, 'again.safetensors')).toBe(sha); // already there: kept under its first name
    expect(await store.list()).toEqual([{ sha256: sha, name: 'mine.safetensors', sizeBytes: 5 }]);
    // Nothing but the file and its name: no temp file left behind.
    expect(readdirSync(store.dir).sort()).toEqual([`${sha}.json`, `${sha}.safetensors`]);
    expect(await store.remove(sha)).toEqual({ removed: true, freedBytes: 5 });
    expect(await store.read(sha)).toBeUndefined();
    expect(await store.remove(sha)).toEqual({ removed: false, freedBytes: 0 });
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it('refuses what is not a sha256 (no path escapes) and drops a file changed on disk', async () => {
    const store = tempStore();
    await expect(store.read('../../etc/passwd')).rejects.toThrow(/is not a sha256/);
    await expect(store.remove('A'.repeat(64))).rejects.toThrow(/is not a sha256/);
    const sha = await store.put(new Uint8Array([9, 9, 9]), 'a.safetensors');
    writeFileSync(path.join(store.dir, `${sha}.safetensors`), new Uint8Array([0, 0, 0]));
    expect(await store.read(sha)).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('ignores temp files a crash could leave, and lives where the user says', async () => {
    const store = tempStore();
    const sha = await store.put(new Uint8Array([7]), 'b.safetensors');
    writeFileSync(path.join(store.dir, '.tmp-deadbeef'), new Uint8Array(10));
    expect((await store.list()).map((e) => e.sha256)).toEqual([sha]);
    expect(localWeightsDir({ PYRAMIDSCOPE_WEIGHTS_DIR: '/x/y' })).toBe('/x/y');
    expect(localWeightsDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/pyramidscope/local-weights');
  });
});
