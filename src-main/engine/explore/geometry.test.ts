import { describe, expect, it } from 'vitest';
import { levelGeometry } from './geometry';
import { listEntries, getEntry } from '../zoo/registry';
import { describeLevels, resolveSettings } from '../zoo/describe';

describe('levelGeometry', () => {
  it('gives ResNet-50 the receptive fields worked out by hand', () => {
    // conv1 7×7/2 → 7; maxpool 3×3/2 → 11; each 3×3 adds 2·jump: 11 + 3·8 = 35,
    // 35 + 8 + 3·16 = 91, 91 + 16 + 5·32 = 267, 267 + 32 + 2·64 = 427.
    const g = levelGeometry({ model: 'resnet50' });
    expect(g.levels.map((l) => l.rfSize[0])).toEqual([7, 35, 91, 267, 427]);
    expect(g.levels.map((l) => l.jump[0])).toEqual([2, 4, 8, 16, 32]);
    // Symmetric "same" padding puts cell (0, 0)'s centre on pixel (0, 0) at every level.
    expect(g.levels.map((l) => l.rfStart)).toEqual(g.levels.map(() => [0, 0]));
    expect(g.levels.map((l) => l.dilation)).toEqual([1, 1, 1, 1, 1]);
    expect(g.levels[4].shape).toEqual([2048, 7, 7]);
  });

  it('shows where output_stride 8 dilates instead of striding', () => {
    const g = levelGeometry({ model: 'resnet50', outputStride: 8 });
    expect(g.levels.map((l) => l.jump[0])).toEqual([2, 4, 8, 8, 8]);
    expect(g.levels.map((l) => l.stageStride)).toEqual([2, 2, 2, 1, 1]);
    expect(g.levels[3].dilation).toBe(2);
    expect(g.levels[4].dilation).toBe(4);
    // Dilation keeps the receptive field growing as fast as striding did.
    expect(g.levels[4].rfSize[0]).toBeGreaterThanOrEqual(427);
    expect(g.levels[4].shape).toEqual([2048, 28, 28]);
  });

  it('follows the deep stem of ResNet-D: three 3×3 convs instead of one 7×7', () => {
    // 3×3/2 → 3, then two 3×3 at jump 2 → 3 + 4 + 4 = 11.
    const g = levelGeometry({ model: 'resnet50d' });
    expect(g.levels[0].rfSize[0]).toBe(11);
    expect(g.levels[0].jump[0]).toBe(2);
  });

  it('agrees with the zoo on every model: strides equal feature_info reductions, shapes equal describe', () => {
    for (const entry of listEntries()) {
      const g = levelGeometry({ model: entry.name, inputSize: 160 });
      const r = resolveSettings(getEntry(entry.name), { outIndices: g.levels.map((l) => l.index), inputSize: 160 });
      const shapes = describeLevels(r).map((l) => l.shape);
      expect(g.levels.map((l) => l.shape), entry.name).toEqual(shapes);
      expect(g.levels.map((l) => l.jump[0]), entry.name).toEqual(g.levels.map((l) => l.reduction));
      for (const l of g.levels) expect(l.rfSize[0], `${entry.name} level ${l.index}`).toBeGreaterThanOrEqual(l.jump[0]);
    }
  });
});
