/** Local weights files through the contract: sent once, then named by sha256, kept on disk by the engine. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineService } from './service';
import { EngineError } from './errors';
import { LocalWeightsStore } from './weights/localStore';
import { WeightsSource } from './weights/weightsSource';
import { serializeSafetensors } from './weights/safetensors';
import { formulaStateDict } from './weights/formula';
import { createModel } from './zoo/builder';
import { asyncRefusal as refusal } from '../testing/refusal';

const MODEL = 'regnetx_002';
const image = { kind: 'sample', name: 'chelsea' } as const;
const bytes = serializeSafetensors(formulaStateDict(createModel(MODEL).model.registry.list().map((p) => p.ref)));
const compute = (s: EngineService, weights: unknown) => s.handle('features:compute', { model: MODEL, inputSize: 64, outIndices: [2], image, weights } as never);

describe('local weights store behind the contract', () => {
  it('keeps a loaded file, computes from its sha256 alone (also in a new engine), lists and removes it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-local-service-'));
    const before = process.env.PYRAMIDSCOPE_WEIGHTS_DIR;
    process.env.PYRAMIDSCOPE_WEIGHTS_DIR = dir; // read when an engine starts
    const service = new EngineService();
    try {
      const first = await compute(service, { kind: 'file', name: 'mine.safetensors', bytes });
      expect(first.weights).toMatchObject({ kind: 'file', name: 'mine.safetensors', stored: true });
      const sha256 = (first.weights as { sha256: string }).sha256;
      expect(readdirSync(dir).sort()).toEqual([`${sha256}.json`, `${sha256}.safetensors`]);

      // A fresh engine (nothing in memory) finds it by hash: same numbers.
      const fresh = new EngineService();
      const again = await compute(fresh, { kind: 'file', name: 'mine.safetensors', sha256 });
      expect(again.weightsLabel).toBe('mine.safetensors (local file)');
      expect(Array.from(again.levels[0].data as Float32Array)).toEqual(Array.from(first.levels[0].data as Float32Array));

      const list = await fresh.handle('weights:list', {});
      expect(list.localDir).toBe(dir);
      expect(list.local).toEqual([{ sha256, name: 'mine.safetensors', sizeBytes: bytes.byteLength }]);
      expect(await fresh.handle('weights:remove', { sha256 })).toEqual({ removed: true, freedBytes: bytes.byteLength });

      const gone = await refusal(() => compute(new EngineService(), { kind: 'file', name: 'mine.safetensors', sha256 }));
      expect(gone.code).toBe('LOCAL_WEIGHTS_MISSING');
      expect(gone.message).toContain('mine.safetensors');
      expect(gone.message).toContain('load the file again');
    } finally {
      if (before === undefined) delete process.env.PYRAMIDSCOPE_WEIGHTS_DIR;
      else process.env.PYRAMIDSCOPE_WEIGHTS_DIR = before;
    }
  });

  it('keeps nothing that does not fit the model, and refuses bytes with a hash or neither', async () => {
    const store = new LocalWeightsStore(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-local-refuse-')));
    const source = new WeightsSource({ onProgress: () => {} }, store);
    const other = createModel('resnet18');
    await expect(source.resolve(other.entry, { kind: 'file', name: 'regnet.safetensors', bytes }, other.model.registry)).rejects.toBeInstanceOf(EngineError);
    expect(await store.list()).toEqual([]);

    const service = new EngineService();
    const both = await refusal(() => compute(service, { kind: 'file', name: 'x.safetensors', bytes, sha256: 'a'.repeat(64) }));
    expect(both.message).toContain('exactly one');
    const neither = await refusal(() => compute(service, { kind: 'file', name: 'x.safetensors' }));
    expect(neither.message).toContain('exactly one');
    const badHash = await refusal(() => compute(service, { kind: 'file', name: 'x.safetensors', sha256: '../../etc/passwd' }));
    expect(badHash.message).toContain('sha256');
  });
});
