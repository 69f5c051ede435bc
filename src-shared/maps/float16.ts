/**
 * IEEE 754 half precision for large pyramids: the engine sends levels as
 * float16 bits (half the bytes of float32) and the renderer keeps them that
 * way, reading them through a Float16Array view (no copy) where the runtime
 * has one, so a 1024×1024 ResNet-50 pyramid costs 92 MiB instead of 184 MiB.
 * float16 keeps about three significant digits, plenty for a heatmap; exact
 * float32 values stay one request away (exports ask for them).
 */

/** The values of a level as the maps read them: exact float32, or float16 held as such. */
export type LevelValues = Float32Array | Float16Array;

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 → float16 bits, rounding to nearest even (as numpy's astype(float16)). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal → ±0
    mant |= 0x800000; // subnormal: shift the implicit bit in
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Round to nearest even; a carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** float16 bits → the number they stand for. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The values as float16 bits, in one pass; undefined when any lies beyond ±FLOAT16_MAX
 * (it would become ±Inf), so the caller keeps float32. NaN stays NaN.
 */
export function encodeFloat16(values: Float32Array): Uint16Array | undefined {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > FLOAT16_MAX || v < -FLOAT16_MAX) return undefined;
    out[i] = toFloat16Bits(v);
  }
  return out;
}

/**
 * Received float16 bits as values: a Float16Array over the same memory where the
 * runtime has one (Chromium ≥ 135, Electron ≥ 36), else decoded to float32.
 */
export function float16Values(bits: Uint16Array): LevelValues {
  if (typeof Float16Array === 'function') return new Float16Array(bits.buffer, bits.byteOffset, bits.length);
  const out = new Float32Array(bits.length);
  const table = float16DecodeTable();
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

let table: Float32Array | undefined;
/** Every float16 bit pattern's value, for decoding many at once (65 536 entries, built once). */
export function float16DecodeTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromFloat16Bits(h);
  }
  return table;
}
