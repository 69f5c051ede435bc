import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from './wire';

describe('wire frames', () => {
  it('round-trips nested typed arrays with their types and values', () => {
    const msg = {
      id: 7,
      result: { levels: [{ data: new Float32Array([1.5, -2, 3e-8]) }, { data: new Float32Array(0) }], rgb: new Uint8Array([1, 2, 3]), name: 'x' },
    };
    const back = decodeFrame(encodeFrame(msg)) as typeof msg;
    expect(back.id).toBe(7);
    expect(back.result.name).toBe('x');
    expect(back.result.levels[0].data).toBeInstanceOf(Float32Array);
    expect([...back.result.levels[0].data]).toEqual([1.5, -2, Math.fround(3e-8)]);
    expect(back.result.levels[1].data.length).toBe(0);
    expect([...back.result.rgb]).toEqual([1, 2, 3]);
  });

  it('keeps subarray views to their own bytes', () => {
    const base = new Float32Array([0, 1, 2, 3, 4]);
    const back = decodeFrame(encodeFrame({ v: base.subarray(2, 4) })) as { v: Float32Array };
    expect([...back.v]).toEqual([2, 3]);
  });

  it('decodes typed arrays as views of an aligned frame (no copy), and copies from an unaligned one', () => {
    const frame = encodeFrame({ a: new Float32Array([1, 2, 3]), b: new Uint16Array([4, 5]) });
    const back = decodeFrame(frame) as { a: Float32Array; b: Uint16Array };
    expect(back.a.buffer).toBe(frame.buffer);
    expect(back.b.buffer).toBe(frame.buffer);
    expect([...back.a, ...back.b]).toEqual([1, 2, 3, 4, 5]);
    const shifted = new Uint8Array(frame.length + 1);
    shifted.set(frame, 1);
    const moved = decodeFrame(shifted.subarray(1)) as { a: Float32Array };
    expect(moved.a.buffer).not.toBe(shifted.buffer);
    expect([...moved.a]).toEqual([1, 2, 3]);
  });

  it('refuses truncated or forged frames', () => {
    const frame = encodeFrame({ a: new Uint8Array([1, 2, 3]) });
    expect(() => decodeFrame(frame.subarray(0, 5))).toThrow();
    const forged = new Uint8Array(frame);
    new DataView(forged.buffer).setUint32(forged.length - 12, 1 << 30, true); // blob offset far out
    expect(() => decodeFrame(forged)).toThrow(/out of bounds|corrupt/);
  });
});
