/**
 * Reductions of a feature level ([C, H, W] float32) to one map for display.
 * Pure functions shared by the renderer and the CLI, so both paint the same thing.
 */

import type { LevelValues } from './float16';

export const VIEW_MODES = ['channel', 'mean', 'max', 'l2', 'std', 'abssum'] as const;
export type ReduceMode = Exclude<(typeof VIEW_MODES)[number], 'channel'>;

export interface Level {
  shape: readonly [number, number, number] | readonly number[];
  data: LevelValues;
}

/** One channel as an H×W map: a view of float32 data, a decoded copy of float16. */
export function channelMap(level: Level, channel: number): Float32Array {
  const [c, h, w] = level.shape;
  if (!Number.isInteger(channel) || channel < 0 || channel >= c) throw new RangeError(`channel ${channel} is out of range; allowed: 0..${c - 1}`);
  const values = level.data.subarray(channel * h * w, (channel + 1) * h * w);
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** Reduces over channels: mean, max, L2 norm, standard deviation or sum of |x|. */
export function reduceChannels(level: Level, mode: ReduceMode, relu = false): Float32Array {
  return reduceAllChannels(level, relu)[mode];
}

/**
 * Every aggregate of a level in one pass over its values: a large pyramid is
 * read once, not once per aggregate (48 M values at 1024×1024; float16 reads
 * cost twice float32's). Accumulates as the single reductions always have:
 * float32 sums, float64 for the variance's sum of squares.
 */
export function reduceAllChannels(level: Level, relu = false): Record<ReduceMode, Float32Array> {
  const [c, h, w] = level.shape;
  const hw = h * w;
  const d = level.data;
  const sum = new Float32Array(hw);
  const sumSq = new Float32Array(hw);
  const sumSq64 = new Float64Array(hw);
  const absSum = new Float32Array(hw);
  const max = new Float32Array(hw).fill(-Infinity);
  for (let k = 0; k < c; k++) {
    const base = k * hw;
    for (let i = 0; i < hw; i++) {
      let v = d[base + i];
      if (relu && v < 0) v = 0;
      sum[i] += v;
      sumSq[i] += v * v;
      sumSq64[i] += v * v;
      absSum[i] += Math.abs(v);
      if (v > max[i]) max[i] = v;
    }
  }
  const mean = new Float32Array(hw);
  const l2 = new Float32Array(hw);
  const std = new Float32Array(hw);
  for (let i = 0; i < hw; i++) {
    mean[i] = sum[i] / c;
    l2[i] = Math.sqrt(sumSq[i]);
    const m = sum[i] / c;
    std[i] = Math.sqrt(Math.max(0, sumSq64[i] / c - m * m));
  }
  return { mean, max, l2, std, abssum: absSum };
}

export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}
