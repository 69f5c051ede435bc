/**
 * The explorer on the wave-2a families, through the service as the UI calls
 * it: the effective receptive field stays inside the theoretical one the op
 * layer computes (with 'same' padding moving centres for tf_ models),
 * Grad-CAM gives a map at forward_features and at a level, and the penultimate
 * features follow the family's own head (EfficientNet's conv_head: 1280).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineService } from '../service';

const service = new EngineService();
const chelsea = { kind: 'sample', name: 'chelsea' } as const;

beforeAll(async () => {
  await service.handle('engine:info', {});
});

// `gated`: squeeze-excite makes every value depend on the whole image through its global pool, so the
// gradient is small but not zero outside the theoretical field (which, as the receptive-field
// interpreter says, counts spatial footprint only); its peak still sits inside.
describe.each([
  ['tf_efficientnet_b0', 2, 1280, true],
  ['mobilenetv3_small_100', 2, 1024, true],
  ['convnext_atto', 1, 320, false],
  ['vgg11', 2, 4096, false],
])('%s', (model, level, penultimateChannels, gated) => {
  it('ERF: peaks inside the theoretical field of the cell, and is zero outside it unless gated globally', async () => {
    const size = 64;
    const geometry = await service.handle('explore:geometry', { model, inputSize: size });
    const g = geometry.levels[level];
    const [row, col] = [1, 2];
    const erf = await service.handle('explore:gradient', { model, inputSize: size, image: chelsea, target: { kind: 'cell', level, row, col } });
    expect([erf.height, erf.width]).toEqual([size, size]);
    const cy = g.rfStart[0] + row * g.jump[0];
    const cx = g.rfStart[1] + col * g.jump[1];
    const half = (g.rfSize[0] - 1) / 2;
    const within = (y: number, x: number) => Math.abs(y - cy) <= half + 1e-6 && Math.abs(x - cx) <= half + 1e-6;
    let inside = 0;
    let outside = 0;
    let peak = { v: -1, y: 0, x: 0 };
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = Math.abs(erf.map[y * size + x]);
        if (within(y, x)) inside += v;
        else outside += v;
        if (v > peak.v) peak = { v, y, x };
      }
    expect(inside).toBeGreaterThan(0);
    expect(within(peak.y, peak.x)).toBe(true);
    if (gated) expect(inside).toBeGreaterThan(outside);
    else expect(outside).toBe(0);
  }, 120_000);

  it('Grad-CAM at forward_features and at a level; penultimate features from the family head', async () => {
    const cam = await service.handle('explore:gradient', { model, inputSize: 64, image: chelsea, target: { kind: 'class' } });
    expect(cam.map.length).toBe(cam.height * cam.width);
    expect(Array.from(cam.map).some((v) => v !== 0)).toBe(true);
    const atLevel = await service.handle('explore:gradient', { model, inputSize: 64, image: chelsea, target: { kind: 'class', level } });
    const described = await service.handle('zoo:describe', { model, outIndices: [level], inputSize: 64 });
    expect([atLevel.height, atLevel.width]).toEqual([described.levels[0].shape[1], described.levels[0].shape[2]]);
    const p = await service.handle('explore:penultimate', { model, inputSize: 64, image: chelsea });
    expect(p.pooled.length).toBe(penultimateChannels);
  }, 120_000);
});
