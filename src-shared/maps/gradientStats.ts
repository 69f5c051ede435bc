/**
 * Numbers about an effective receptive field (a |gradient| map over the input):
 * how much of it lies inside the theoretical field, and how wide a square
 * around the cell holds most of it — typically far smaller than the theory.
 */
import type { Rect } from './alignment';

export interface ErfStats {
  total: number;
  /** Fraction of the gradient mass inside the theoretical receptive field (1 when the engine and the geometry agree). */
  insideTheoretical: number;
  /** Side (px) of the smallest square centred on the cell that holds `fraction` of the mass. */
  side: number;
}

export function erfStats(map: Float32Array, h: number, w: number, centre: { x: number; y: number }, rf: Rect | undefined, fraction = 0.9): ErfStats {
  let total = 0;
  let inside = 0;
  // Mass by Chebyshev distance (ring) from the centre pixel, for the square search.
  const cx = Math.floor(centre.x);
  const cy = Math.floor(centre.y);
  const rings = new Float64Array(Math.max(h, w) + 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map[y * w + x];
      if (!v) continue;
      total += v;
      if (rf && x + 0.5 >= rf.x && x + 0.5 <= rf.x + rf.width && y + 0.5 >= rf.y && y + 0.5 <= rf.y + rf.height) inside += v;
      rings[Math.min(rings.length - 1, Math.max(Math.abs(x - cx), Math.abs(y - cy)))] += v;
    }
  }
  let acc = 0;
  let r = 0;
  for (; r < rings.length; r++) {
    acc += rings[r];
    if (acc >= fraction * total) break;
  }
  return { total, insideTheoretical: total > 0 ? (rf ? inside / total : 1) : 0, side: 2 * r + 1 };
}
