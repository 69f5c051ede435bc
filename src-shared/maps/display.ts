/**
 * What one level shows: a single channel or an aggregate over channels, with
 * values signed or after ReLU. Pure: the renderer, the CLI and the bench all
 * call these, so every surface paints the same numbers.
 */
import { channelMap, reduceChannels, type Level, type ReduceMode } from './reduce';

export const DISPLAY_MODES = ['channel', 'mean', 'max', 'l2', 'std', 'abssum', 'pca'] as const;
export type DisplayMode = (typeof DISPLAY_MODES)[number];

export const VALUE_SIGNS = ['signed', 'relu'] as const;
export type ValueSign = (typeof VALUE_SIGNS)[number];

/** Modes that yield one scalar map per level (PCA yields RGB). */
export type ScalarMode = Exclude<DisplayMode, 'pca'>;

export function isScalarMode(mode: DisplayMode): mode is ScalarMode {
  return mode !== 'pca';
}

/** Clamps a channel index into a level's range, so one index can follow across levels of different widths. */
export function clampChannel(channel: number, numChannels: number): number {
  if (!Number.isFinite(channel) || numChannels <= 0) return 0;
  return Math.max(0, Math.min(numChannels - 1, Math.trunc(channel)));
}

/** max(0, v) of a map, as a new array. */
export function reluCopy(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] > 0 ? values[i] : 0;
  return out;
}

/**
 * The H×W map a level shows for a scalar mode. In channel mode the index is
 * clamped to the level's channels; signed channel maps are views, not copies.
 */
export function scalarMap(level: Level, mode: ScalarMode, channel: number, sign: ValueSign): Float32Array {
  if (mode === 'channel') {
    const m = channelMap(level, clampChannel(channel, level.shape[0]));
    return sign === 'relu' ? reluCopy(m) : m;
  }
  return reduceChannels(level, mode as ReduceMode, sign === 'relu');
}

/** What scalarMap's label says: "channel 12", "mean over 256 channels". */
export function describeScalarMap(mode: ScalarMode, channel: number, numChannels: number, sign: ValueSign): string {
  const suffix = sign === 'relu' ? ' (ReLU)' : '';
  const names: Record<Exclude<ScalarMode, 'channel'>, string> = { mean: 'mean', max: 'max', l2: 'L2 norm', std: 'std', abssum: 'Σ|x|' };
  if (mode === 'channel') return `channel ${clampChannel(channel, numChannels)} of ${numChannels}${suffix}`;
  return `${names[mode]} over ${numChannels} channels${suffix}`;
}

/**
 * Block-averages an H×W map by a whole factor so neither side exceeds
 * `maxSide` (thumbnails of 512×512 maps paint 64×64, not 262 144 pixels).
 */
export function downsampleMap(values: Float32Array, h: number, w: number, maxSide: number): { values: Float32Array; h: number; w: number } {
  const f = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  if (f === 1) return { values, h, w };
  const oh = Math.ceil(h / f);
  const ow = Math.ceil(w / f);
  const sum = new Float32Array(oh * ow);
  const count = new Float32Array(oh * ow);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / f) * ow;
    for (let x = 0; x < w; x++) {
      const k = row + Math.floor(x / f);
      sum[k] += values[y * w + x];
      count[k]++;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k] /= count[k];
  return { values: sum, h: oh, w: ow };
}
