/** The explorer's engine channels, called through the service as the UI calls them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineService } from '../service';
import { EngineError } from '../errors';

const service = new EngineService();
const chelsea = { kind: 'sample', name: 'chelsea' } as const;

beforeAll(async () => {
  await service.handle('engine:info', {});
});

describe('explore:geometry', () => {
  it('answers for the settings the UI sends, input size included', async () => {
    const g = await service.handle('explore:geometry', { model: 'resnet18', outputStride: 16, inputSize: 160 });
    expect(g.inputSize).toEqual([160, 160]);
    expect(g.levels.map((l) => l.jump[0])).toEqual([2, 4, 8, 16, 16]);
    expect(g.levels[4].dilation).toBe(2);
    expect(g.levels[4].shape).toEqual([512, 10, 10]);
  });

  it('refuses an output stride the model cannot do, naming the allowed ones', async () => {
    await expect(service.handle('explore:geometry', { model: 'densenet121', outputStride: 8 })).rejects.toThrow(/allowed: 32/);
  });
});

describe('explore:penultimate', () => {
  it('gives forward_features and its average pool, consistent with the last feature level', async () => {
    const p = await service.handle('explore:penultimate', { model: 'resnet18', inputSize: 96, image: chelsea });
    expect(p.features.shape).toEqual([512, 3, 3]);
    expect(p.pooled.length).toBe(512);
    // For ResNet, forward_features is layer4: the same numbers as feature level 4.
    const f = await service.handle('features:compute', { model: 'resnet18', outIndices: [4], inputSize: 96, image: chelsea });
    expect(Array.from(p.features.data.subarray(0, 50))).toEqual(Array.from(f.levels[0].data.subarray(0, 50)));
    // Pre-logits with global_pool='avg' is the spatial mean of forward_features.
    for (const c of [0, 7, 511]) {
      const mean = p.features.data.subarray(c * 9, c * 9 + 9).reduce((s, v) => s + v, 0) / 9;
      expect(p.pooled[c]).toBeCloseTo(mean, 4);
    }
    expect(p.weightsLabel).toContain('random init');
  });

  it('refuses an unknown model with the contract error shape', async () => {
    const e = await service.handle('explore:penultimate', { model: 'nope', image: chelsea }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
  });
});
