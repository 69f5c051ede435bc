/**
 * Reductions of a feature level ([C, H, W] float32) to one map for display.
 * Pure functions shared by the renderer and the CLI, so both paint the same thing.
 */

export const VIEW_MODES = ['channel', 'mean', 'max', 'l2', 'std', 'abssum'] as const;
export type ReduceMode = Exclude<(typeof VIEW_MODES)[number], 'channel'>;

export interface Level {
  shape: readonly [number, number, number] | readonly number[];
  data: Float32Array;
}

/** One channel as an H×W map (a view, not a copy). */
export function channelMap(level: Level, channel: number): Float32Array {
  const [c, h, w] = level.shape;
  if (!Number.isInteger(channel) || channel < 0 || channel >= c) throw new RangeError(`channel ${channel} is out of range; allowed: 0..${c - 1}`);
  return level.data.subarray(channel * h * w, (channel + 1) * h * w);
}

/** Reduces over channels: mean, max, L2 norm, standard deviation or sum of |x|. */
export function reduceChannels(level: Level, mode: ReduceMode, relu = false): Float32Array {
  const [c, h, w] = level.shape;
  const hw = h * w;
  const d = level.data;
  const out = new Float32Array(hw);
  const acc2 = mode === 'std' ? new Float64Array(hw) : undefined;
  if (mode === 'max') out.fill(-Infinity);
  for (let k = 0; k < c; k++) {
    const base = k * hw;
    for (let i = 0; i < hw; i++) {
      let v = d[base + i];
      if (relu && v < 0) v = 0;
      switch (mode) {
        case 'mean':
          out[i] += v;
          break;
        case 'max':
          if (v > out[i]) out[i] = v;
          break;
        case 'l2':
          out[i] += v * v;
          break;
        case 'std':
          out[i] += v;
          acc2![i] += v * v;
          break;
        case 'abssum':
          out[i] += Math.abs(v);
          break;
      }
    }
  }
  for (let i = 0; i < hw; i++) {
    if (mode === 'mean') out[i] /= c;
    else if (mode === 'l2') out[i] = Math.sqrt(out[i]);
    else if (mode === 'std') {
      const m = out[i] / c;
      out[i] = Math.sqrt(Math.max(0, acc2![i] / c - m * m));
    }
  }
  return out;
}

export function minMax(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}
