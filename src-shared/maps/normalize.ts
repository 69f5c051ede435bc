/**
 * Normalisation scope: which values decide the two ends of a colour bar.
 *   map    each shown map's own min and max
 *   level  the whole level (every channel, same sign rule), so channels of a level compare
 *   shared one range across every shown map, so levels compare
 *   fixed  a range the user types
 * A zero-centred range (for the diverging colormap) widens [lo, hi] to [-a, a].
 */
import { minMax } from './reduce';

export const NORM_SCOPES = ['map', 'level', 'shared', 'fixed'] as const;
export type NormScope = (typeof NORM_SCOPES)[number];

export interface Range {
  min: number;
  max: number;
}

/** min/max of a whole level's values, optionally after ReLU (ReLU only lifts the minimum to 0). */
export function levelRange(data: ArrayLike<number>, relu: boolean): Range {
  const r = minMax(data);
  return relu ? { min: Math.max(0, r.min), max: Math.max(0, r.max) } : r;
}

export function unionRange(ranges: readonly Range[]): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const r of ranges) {
    if (r.min < min) min = r.min;
    if (r.max > max) max = r.max;
  }
  return ranges.length ? { min, max } : { min: 0, max: 0 };
}

export function zeroCentred(r: Range): Range {
  const a = Math.max(Math.abs(r.min), Math.abs(r.max));
  return { min: -a, max: a };
}

export interface ScopeInputs {
  /** Each shown map's own range, in display order. */
  mapRanges: readonly Range[];
  /** Each shown map's level range (whole level, same sign rule); same order. */
  levelRanges: readonly Range[];
  /** Extra ranges that join 'shared' (e.g. the other compare pane's maps). */
  sharedWith?: readonly Range[];
  fixed: Range;
  zeroCentre: boolean;
}

/** The colour-bar range of every shown map under a scope. */
export function scopeRanges(scope: NormScope, s: ScopeInputs): Range[] {
  let out: Range[];
  switch (scope) {
    case 'map':
      out = [...s.mapRanges];
      break;
    case 'level':
      out = [...s.levelRanges];
      break;
    case 'shared': {
      const all = unionRange([...s.mapRanges, ...(s.sharedWith ?? [])]);
      out = s.mapRanges.map(() => all);
      break;
    }
    case 'fixed':
      out = s.mapRanges.map(() => ({ ...s.fixed }));
      break;
  }
  return s.zeroCentre ? out.map(zeroCentred) : out;
}
