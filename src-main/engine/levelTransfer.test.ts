/** How pyramids travel: float32 by default, float16 for big ones, never clipped. */
import { describe, expect, it } from 'vitest';
import { FLOAT16_ABOVE_BYTES } from '../../src-shared/contract';
import { float16Values } from '../../src-shared/maps/float16';
import { EngineService } from './service';
import { encodeLevels } from './levelTransfer';

const level = (index: number, values: number, f: (i: number) => number) => ({
  index,
  module: `m${index}`,
  numChs: 1,
  reduction: 1,
  shape: [1, 1, values] as [number, number, number],
  data: Float32Array.from({ length: values }, (_, i) => f(i)),
});

describe('encodeLevels', () => {
  it('keeps small pyramids float32 on auto, and sends big ones as float16 bits', () => {
    const small = [level(0, 1000, Math.sin)];
    expect(encodeLevels(small, 'auto')[0]).toMatchObject({ dtype: 'float32' });
    expect(encodeLevels(small, 'auto')[0].data).toBe(small[0].data);
    const n = FLOAT16_ABOVE_BYTES / 4 / 2 + 1; // two levels just over the threshold together
    const big = [level(0, n, Math.sin), level(1, n, Math.cos)];
    const out = encodeLevels(big, 'auto');
    expect(out.map((l) => l.dtype)).toEqual(['float16', 'float16']);
    expect(out[0].data).toBeInstanceOf(Uint16Array);
    expect(out[0].data.byteLength).toBe(big[0].data.byteLength / 2);
    const back = float16Values(out[1].data as Uint16Array);
    expect(Math.abs(back[12345] - Math.cos(12345))).toBeLessThan(1e-3);
  });

  it('honours an explicit choice, and keeps a level float32 where float16 would overflow', () => {
    const levels = [level(0, 10, (i) => i), level(1, 10, (i) => i * 1e4)];
    expect(encodeLevels(levels, 'float16').map((l) => l.dtype)).toEqual(['float16', 'float32']);
    const big = [level(0, FLOAT16_ABOVE_BYTES / 4 + 1, Math.sin)];
    expect(encodeLevels(big, 'float32')[0].dtype).toBe('float32');
  });
});

describe('features:compute transfer', () => {
  it('sends the same pyramid as float16 when asked, within float16 rounding of the float32 values', async () => {
    const service = new EngineService();
    const req = { model: 'resnet18', outIndices: [2], image: { kind: 'sample', name: 'chelsea' } } as const;
    const exact = await service.handle('features:compute', req);
    const half = await service.handle('features:compute', { ...req, transfer: 'float16' });
    expect(exact.levels[0].dtype).toBe('float32');
    expect(half.levels[0].dtype).toBe('float16');
    const a = exact.levels[0].data as Float32Array;
    const b = float16Values(half.levels[0].data as Uint16Array);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 2 ** -14));
    expect(worst).toBeLessThanOrEqual(2 ** -11);
  });
});
