/** The engine behind the contract, called as the UI calls it: real models, real images. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineService } from './service';
import { EngineError } from './errors';
import { resourcesDir } from './resources';

const service = new EngineService();
const chelsea = { kind: 'sample', name: 'chelsea' } as const;

beforeAll(async () => {
  await service.handle('engine:info', {});
});

async function refusal(channel: Parameters<EngineService['handle']>[0], payload: unknown): Promise<EngineError> {
  try {
    await service.handle(channel, payload);
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error(`expected ${channel} to refuse ${JSON.stringify(payload).slice(0, 200)}`);
}

describe('features:compute', () => {
  it('computes the chosen levels of a model on a sample', async () => {
    const r = await service.handle('features:compute', { model: 'resnet18', outIndices: [1, 3], outputStride: 16, image: chelsea });
    expect(r.levels.map((l) => l.module)).toEqual(['layer1', 'layer3']);
    expect(r.levels.map((l) => l.shape)).toEqual([
      [64, 56, 56],
      [256, 14, 14],
    ]);
    expect(r.levels[1].data).toBeInstanceOf(Float32Array);
    expect(r.levels[1].data.length).toBe(256 * 14 * 14);
    expect(r.input).toMatchObject({ width: 224, height: 224 });
    expect(r.input.rgb.length).toBe(224 * 224 * 3);
    expect(r.weightsLabel).toContain('random init');
    // The default executor: ONNX Runtime, where it loads (it ships in the npm package).
    expect(r.backend).toBe('onnxruntime (cpu)');
  });

  it('reuses the forward pass for a subset of out_indices, with identical numbers', async () => {
    const all = await service.handle('features:compute', { model: 'resnet18', image: chelsea, inputSize: 160 });
    const subset = await service.handle('features:compute', { model: 'resnet18', image: chelsea, inputSize: 160, outIndices: [2] });
    expect(subset.levels).toHaveLength(1);
    expect(subset.levels[0].data).toEqual(all.levels[2].data);
    expect(subset.timings.forwardMs).toBeLessThan(all.timings.forwardMs);
  });

  it('honours a user input size', async () => {
    const r = await service.handle('features:compute', { model: 'ecaresnet50d', outIndices: [2, 4], outputStride: 8, inputSize: 320, image: chelsea });
    expect(r.levels.map((l) => l.shape)).toEqual([
      [512, 40, 40],
      [2048, 40, 40],
    ]);
  });

  it('accepts an uploaded file and leaks no tfjs tensors across runs', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(resourcesDir(), 'samples', 'rocket.jpg')));
    const req = { model: 'resnet18', image: { kind: 'file', name: 'rocket.jpg', bytes } } as const;
    const first = await service.handle('features:compute', { ...req, inputSize: 96 });
    expect(first.levels[0].shape).toEqual([64, 48, 48]);
    // The model's weights are now cached; every further forward must free all it made.
    const before = tf.memory().numTensors;
    for (const inputSize of [97, 98, 99, 100]) await service.handle('features:compute', { ...req, inputSize });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad input gets a specific error, and the engine keeps working', () => {
  it.each([
    ['unknown model', { model: 'resnet51', image: chelsea }, 'UNKNOWN_MODEL', "unknown model 'resnet51'"],
    ['out_indices out of range', { model: 'resnet50', outIndices: [7], image: chelsea }, 'BAD_OUT_INDICES', 'out_indices value 7 is out of range'],
    ['out_indices duplicated', { model: 'resnet50', outIndices: [2, -3], image: chelsea }, 'BAD_OUT_INDICES', 'names level 2 twice'],
    ['out_indices empty', { model: 'resnet50', outIndices: [], image: chelsea }, 'BAD_OUT_INDICES', 'out_indices is empty'],
    ['output_stride unsupported', { model: 'densenet121', outputStride: 8, image: chelsea }, 'BAD_OUTPUT_STRIDE', 'allowed: 32'],
    ['output_stride nonsense', { model: 'resnet50', outputStride: 12, image: chelsea }, 'BAD_OUTPUT_STRIDE', 'output_stride 12'],
    ['input size 0', { model: 'resnet18', inputSize: 0, image: chelsea }, 'BAD_INPUT_SIZE', 'input size 0 is not allowed'],
    ['input size 10000', { model: 'resnet18', inputSize: 10000, image: chelsea }, 'BAD_INPUT_SIZE', 'allowed: whole numbers 16..2048'],
    ['input size negative', { model: 'resnet18', inputSize: -5, image: chelsea }, 'BAD_INPUT_SIZE', 'input size -5'],
    ['input size NaN', { model: 'resnet18', inputSize: Number.NaN, image: chelsea }, 'BAD_REQUEST', 'inputSize'],
    ['wrong type', { model: 50, image: chelsea }, 'BAD_REQUEST', 'model'],
    ['missing image', { model: 'resnet18' }, 'BAD_REQUEST', 'image'],
    ['huge string', { model: 'x'.repeat(100_000), image: chelsea }, 'BAD_REQUEST', 'model'],
    ['unknown sample', { model: 'resnet18', image: { kind: 'sample', name: 'dog' } }, 'UNKNOWN_SAMPLE', "unknown sample 'dog'"],
    ['text file named .png', { model: 'resnet18', image: { kind: 'file', name: 'notes.png', bytes: new TextEncoder().encode('hello') } }, 'BAD_IMAGE', 'notes.png'],
  ])('%s', async (_label, payload, code, message) => {
    const e = await refusal('features:compute', payload);
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
    const ok = await service.handle('features:compute', { model: 'resnet18', image: chelsea, outIndices: [0] });
    expect(ok.levels).toHaveLength(1);
  });
});

describe('zoo:describe and zoo:list', () => {
  it("prints the seed page's numbers for ecaresnet101d", async () => {
    const d = await service.handle('zoo:describe', { model: 'ecaresnet101d', outputStride: 8, outIndices: [2, 4], inputSize: 320 });
    expect(d.levels.map((l) => l.numChs)).toEqual([512, 2048]);
    expect(d.levels.map((l) => l.reduction)).toEqual([8, 8]);
    expect(d.levels.map((l) => l.shape)).toEqual([
      [512, 40, 40],
      [2048, 40, 40],
    ]);
  });

  it('lists every model with timm parameter counts', async () => {
    const { models } = await service.handle('zoo:list', {});
    const count = (name: string) => models.find((m) => m.name === name)?.paramCount;
    expect(count('resnet50')).toBe(25557032);
    expect(count('densenet121')).toBe(7978856);
    expect(models.find((m) => m.name === 'resnet50')?.pretrained[0].name).toBe('resnet50.a1_in1k');
  });
});
