import { describe, expect, it } from 'vitest';
import { COLORMAPS, colormapLut, paintRgba } from './colormaps';

describe('paintRgba', () => {
  it('maps min to the first LUT entry, max to the last, rounds in between and clamps outside', () => {
    for (const name of COLORMAPS) {
      const lut = colormapLut(name);
      const rgba = paintRgba(Float32Array.from([0, 10, 5, -3, 20, 1 / 255 * 10 * 0.6]), 0, 10, name);
      const entry = (i: number) => [...rgba.subarray(4 * i, 4 * i + 4)];
      const at = (k: number) => [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2], 255];
      expect(entry(0), name).toEqual(at(0));
      expect(entry(1), name).toEqual(at(255));
      expect(entry(2), name).toEqual(at(128)); // 127.5 rounds up, as Math.round does
      expect(entry(3), name).toEqual(at(0));
      expect(entry(4), name).toEqual(at(255));
      expect(entry(5), name).toEqual(at(1)); // 0.6 of a step rounds to 1
    }
  });

  it('paints NaN transparent and treats a flat map as its first colour', () => {
    const rgba = paintRgba(Float32Array.from([NaN, 3, 3]), 3, 3, 'viridis');
    expect(rgba[3]).toBe(0);
    expect([...rgba.subarray(4, 8)]).toEqual([...colormapLut('viridis').subarray(0, 3), 255]);
  });

  it('writes into an unaligned view too (byte path)', () => {
    const buf = new Uint8ClampedArray(4 * 2 + 1);
    const view = buf.subarray(1);
    paintRgba(Float32Array.from([0, 1]), 0, 1, 'grey', view);
    expect([...view]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });
});
