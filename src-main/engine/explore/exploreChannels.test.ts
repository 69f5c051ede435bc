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
    // Penultimate runs on tfjs, compute on the default executor (ONNX Runtime): equal within float32 rounding.
    const scale = Math.max(...Array.from(f.levels[0].data, Math.abs));
    p.features.data.subarray(0, 50).forEach((v, i) => expect(Math.abs(v - f.levels[0].data[i])).toBeLessThanOrEqual(1e-5 * scale));
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

describe('explore:gradient', () => {
  it('the effective receptive field is zero outside the theoretical one and peaks inside it', async () => {
    const geometry = await service.handle('explore:geometry', { model: 'resnet18', inputSize: 64 });
    const g = geometry.levels[1];
    expect(g.rfSize[0]).toBe(43);
    const [row, col] = [5, 9];
    const erf = await service.handle('explore:gradient', { model: 'resnet18', inputSize: 64, image: chelsea, target: { kind: 'cell', level: 1, row, col } });
    expect([erf.height, erf.width]).toEqual([64, 64]);
    const cy = g.rfStart[0] + row * g.jump[0];
    const cx = g.rfStart[1] + col * g.jump[1];
    const half = (g.rfSize[0] - 1) / 2;
    let inside = 0;
    let outside = 0;
    let peak = { v: -1, y: 0, x: 0 };
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const v = erf.map[y * 64 + x];
        if (Math.abs(y - cy) <= half && Math.abs(x - cx) <= half) inside += v;
        else outside += v;
        if (v > peak.v) peak = { v, y, x };
      }
    expect(inside).toBeGreaterThan(0);
    expect(outside).toBe(0);
    expect(Math.abs(peak.y - cy)).toBeLessThanOrEqual(half / 2);
    expect(Math.abs(peak.x - cx)).toBeLessThanOrEqual(half / 2);
  });

  it('Grad-CAM at forward_features, for the top class by default', async () => {
    const cam = await service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'class' } });
    expect([cam.height, cam.width]).toEqual([3, 3]);
    expect(cam.map.every((v) => v >= 0)).toBe(true);
    expect(cam.classIndex).toBeGreaterThanOrEqual(0);
    expect(cam.label).toBeTruthy();
    expect(cam.probability).toBeGreaterThan(0);
    const other = await service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'class', classIndex: 7 } });
    expect(other.classIndex).toBe(7);
    await expect(service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'cell', level: 9, row: 0, col: 0 } })).rejects.toThrow(/level 9 is out of range/);
  });

  it('Grad-CAM at a chosen feature level: that level\'s H×W and module, and a clear refusal past the last one', async () => {
    const cam = await service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'class', classIndex: 7, level: 2 } });
    expect([cam.height, cam.width, cam.level, cam.module, cam.classIndex]).toEqual([12, 12, 2, 'layer2', 7]);
    expect(cam.map.length).toBe(144);
    const top = await service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'class' } });
    expect(top.level).toBeUndefined();
    await expect(service.handle('explore:gradient', { model: 'resnet18', inputSize: 96, image: chelsea, target: { kind: 'class', level: 5 } })).rejects.toThrow(/level 5 is out of range; allowed: 0\.\.4/);
  });
});

describe('input gradients on the engine backend', () => {
  it('leave no tensors and no stand-in kernels behind', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const req = { model: 'resnet18', inputSize: 64, image: chelsea, target: { kind: 'cell', level: 2, row: 1, col: 1 } } as const;
    await service.handle('explore:gradient', req);
    const before = tf.memory().numTensors;
    await service.handle('explore:gradient', req);
    expect(tf.memory().numTensors).toBe(before);
    const backend = tf.getBackend();
    expect(backend).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBeUndefined();
  });

  it('falls back to the cpu backend for depthwise convs (xception), then returns to wasm', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const erf = await service.handle('explore:gradient', { model: 'xception41', inputSize: 64, image: chelsea, target: { kind: 'cell', level: 1, row: 2, col: 2 } });
    expect(erf.map.some((v) => v > 0)).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
  });
});
