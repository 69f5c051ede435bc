/**
 * Per-channel statistics for the channel browser: which channels of a level
 * matter for this image, by mean, max, energy or sparsity, and a histogram of
 * one channel's values.
 */
import type { Level } from './reduce';

export const RANK_BY = ['mean', 'max', 'energy', 'sparsity'] as const;
export type RankBy = (typeof RANK_BY)[number];

export interface ChannelStats {
  mean: Float32Array;
  max: Float32Array;
  /** Mean of squares. */
  energy: Float32Array;
  /**
   * Hoyer sparsity of the ReLU'd map, 0 (flat) … 1 (one hot cell): high means
   * the channel fires in few places. An all-zero (dead) channel scores 0.
   */
  sparsity: Float32Array;
}

export function channelStats(level: Level): ChannelStats {
  const [c, h, w] = level.shape;
  const n = h * w;
  const d = level.data;
  const s: ChannelStats = { mean: new Float32Array(c), max: new Float32Array(c), energy: new Float32Array(c), sparsity: new Float32Array(c) };
  const sqrtN = Math.sqrt(n);
  for (let k = 0; k < c; k++) {
    let sum = 0;
    let sumSq = 0;
    let mx = -Infinity;
    let l1 = 0;
    let l2 = 0;
    for (let i = k * n, end = i + n; i < end; i++) {
      const v = d[i];
      sum += v;
      sumSq += v * v;
      if (v > mx) mx = v;
      if (v > 0) {
        l1 += v;
        l2 += v * v;
      }
    }
    s.mean[k] = sum / n;
    s.max[k] = mx;
    s.energy[k] = sumSq / n;
    s.sparsity[k] = l2 > 0 && n > 1 ? (sqrtN - l1 / Math.sqrt(l2)) / (sqrtN - 1) : 0;
  }
  return s;
}

/** The k channel indices with the highest score, best first (ties: lower index first). */
export function topK(scores: Float32Array, k: number): number[] {
  const idx = [...scores.keys()];
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.max(0, k));
}

export interface Histogram {
  min: number;
  max: number;
  counts: Uint32Array;
}

/** Equal-width bins over [min, max] of the values (the last bin includes max). */
export function histogram(values: Float32Array, bins: number): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Uint32Array(bins);
  if (!values.length) return { min: 0, max: 0, counts };
  const span = max - min;
  for (const v of values) {
    const b = span > 0 ? Math.min(bins - 1, Math.floor(((v - min) / span) * bins)) : 0;
    counts[b]++;
  }
  return { min, max, counts };
}

/** The values of every channel at one cell, as [channel, value] pairs, highest first. */
export function topChannelsAt(level: Level, y: number, x: number, k: number): Array<{ channel: number; value: number }> {
  const [c, h, w] = level.shape;
  if (y < 0 || y >= h || x < 0 || x >= w) return [];
  const at = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) at[ch] = level.data[ch * h * w + y * w + x];
  return topK(at, k).map((channel) => ({ channel, value: at[channel] }));
}
