import { describe, expect, it } from 'vitest';
import { FLOAT16_MAX, encodeFloat16, float16Values, fromFloat16Bits, toFloat16Bits } from './float16';

describe('float16', () => {
  it('round-trips every non-NaN bit pattern exactly', () => {
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      const v = fromFloat16Bits(h);
      if (Number.isNaN(v)) continue;
      expect(toFloat16Bits(v)).toBe(h);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it('decodes known values', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0xc000)).toBe(-2);
    expect(fromFloat16Bits(0x7bff)).toBe(FLOAT16_MAX);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
  });

  it('rounds to nearest, ties to even, like numpy astype(float16)', () => {
    // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to the even mantissa, 1.
    expect(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11))).toBe(1);
    // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): up.
    expect(fromFloat16Bits(toFloat16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11 + 2 ** -20))).toBe(1 + 2 ** -10);
    expect(fromFloat16Bits(toFloat16Bits(0.1))).toBeCloseTo(0.0999755859375, 12);
    // Subnormals: 1.5 × the smallest rounds to 2 × (even); 2.5 × to 2 ×.
    expect(fromFloat16Bits(toFloat16Bits(1.5 * 2 ** -24))).toBe(2 * 2 ** -24);
    expect(fromFloat16Bits(toFloat16Bits(2.5 * 2 ** -24))).toBe(2 * 2 ** -24);
    expect(fromFloat16Bits(toFloat16Bits(2 ** -26))).toBe(0);
  });

  it('overflows past the largest half to infinity, and keeps NaN', () => {
    expect(fromFloat16Bits(toFloat16Bits(65519))).toBe(FLOAT16_MAX);
    expect(fromFloat16Bits(toFloat16Bits(65520))).toBe(Infinity);
    expect(fromFloat16Bits(toFloat16Bits(-1e6))).toBe(-Infinity);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
    expect(encodeFloat16(Float32Array.of(1, -65504, 3))).toEqual(Uint16Array.of(0x3c00, 0xfbff, 0x4200));
    expect(encodeFloat16(Float32Array.of(1, 70000))).toBeUndefined();
  });

  it('stays within half an ulp on feature-like values, and decodes where Float16Array is missing', () => {
    const values = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 37 - 5);
    const back = float16Values(encodeFloat16(values) as Uint16Array);
    expect(back.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) expect(Math.abs(back[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11 + 2 ** -25);
  });
});
