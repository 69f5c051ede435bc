/** Tests' stand-in for a received level: C×S×S float32 with values f(i). */
import type { ShownLevel } from '../store/shown';

export const testLevel = (index: number, c: number, s: number, f: (i: number) => number): ShownLevel => ({
  index,
  module: `m${index}`,
  numChs: c,
  reduction: 2 << index,
  shape: [c, s, s],
  dtype: 'float32',
  data: Float32Array.from({ length: c * s * s }, (_, i) => f(i)),
});
