/**
 * PCA of feature maps for the "PCA → RGB" view (the DINO picture): each pixel
 * is a sample, each channel a variable; the first three principal components
 * become red, green and blue after robust clipping.
 *
 * The data matrix is never copied: a level, a hypercolumn stack of several
 * levels (fitted jointly), or two images stacked (fitted across a compare
 * pair) are all `DataMatrix` views that only offer block products. The fit is
 * a randomized SVD (Halko, Martinsson & Tropp 2011) with power iterations,
 * exact when the data's rank is at most k + oversample.
 */
import { orthonormalizeColumns, quantile, seededNormal, symmetricEigen } from './linalg';
import type { Level } from './reduce';
import type { Range } from './normalize';

/** X (rows = pixels, cols = channels), known through products with thin blocks. */
export interface DataMatrix {
  readonly rows: number;
  readonly cols: number;
  /** X·M for a cols×l row-major block M → rows×l. */
  times(m: Float64Array, l: number): Float64Array;
  /** Xᵀ·Y for a rows×l row-major block Y → cols×l. */
  transposeTimes(y: Float64Array, l: number): Float64Array;
  /** Per column: Σ w_r x_rc and Σ w_r x_rc² (w = 1 when omitted). */
  columnMoments(rowWeights?: Float64Array): { sum: Float64Array; sumSq: Float64Array };
}

/**
 * A [C, H, W] level as pixels × channels, optionally after ReLU and scaled by
 * `weight`; `pixels` picks a subset of pixels (row r is pixel pixels[r]) so a
 * subsample costs only its own rows.
 */
export function levelMatrix(level: Level, relu = false, weight = 1, pixels?: Int32Array): DataMatrix {
  const [c, h, w] = level.shape;
  const hw = h * w;
  const d = level.data;
  const rows = pixels ? pixels.length : hw;
  const at = pixels ?? Int32Array.from({ length: hw }, (_, i) => i);
  // One channel's values for the chosen pixels, ReLU and weight applied, into a reused buffer.
  const col = new Float64Array(rows);
  const load = (k: number) => {
    const base = k * hw;
    for (let r = 0; r < rows; r++) {
      const v = d[base + at[r]];
      col[r] = (relu && v < 0 ? 0 : v) * weight;
    }
    return col;
  };
  return {
    rows,
    cols: c,
    times(m, l) {
      const out = new Float64Array(rows * l);
      for (let k = 0; k < c; k++) {
        const x = load(k);
        const mk = k * l;
        for (let r = 0, o = 0; r < rows; r++, o += l) {
          const v = x[r];
          if (v === 0) continue;
          for (let j = 0; j < l; j++) out[o + j] += v * m[mk + j];
        }
      }
      return out;
    },
    transposeTimes(y, l) {
      const out = new Float64Array(c * l);
      const acc = new Float64Array(l);
      for (let k = 0; k < c; k++) {
        const x = load(k);
        acc.fill(0);
        for (let r = 0, o = 0; r < rows; r++, o += l) {
          const v = x[r];
          if (v === 0) continue;
          for (let j = 0; j < l; j++) acc[j] += v * y[o + j];
        }
        out.set(acc, k * l);
      }
      return out;
    },
    columnMoments(rw) {
      const sum = new Float64Array(c);
      const sumSq = new Float64Array(c);
      for (let k = 0; k < c; k++) {
        const x = load(k);
        let s = 0;
        let s2 = 0;
        for (let r = 0; r < rows; r++) {
          const wt = rw ? rw[r] : 1;
          s += wt * x[r];
          s2 += wt * x[r] * x[r];
        }
        sum[k] = s;
        sumSq[k] = s2;
      }
      return { sum, sumSq };
    },
  };
}

/** The pixels of an H×W map on a coarser grid's cell centres (nearest): a subsample to fit on. */
export function gridPixels(h: number, w: number, grid: readonly [number, number]): Int32Array {
  const [gh, gw] = grid;
  const out = new Int32Array(gh * gw);
  for (let y = 0; y < gh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / gh));
    for (let x = 0; x < gw; x++) out[y * gw + x] = sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / gw));
  }
  return out;
}

/** `base` (on an Hb×Wb grid) sampled onto an Ht×Wt grid by nearest cell, as feature maps line up by proportion. */
export function resampledMatrix(base: DataMatrix, from: readonly [number, number], to: readonly [number, number]): DataMatrix {
  const [hb, wb] = from;
  const [ht, wt] = to;
  const rowMap = new Int32Array(ht * wt);
  for (let y = 0; y < ht; y++) {
    const by = Math.min(hb - 1, Math.floor(((y + 0.5) * hb) / ht));
    for (let x = 0; x < wt; x++) rowMap[y * wt + x] = by * wb + Math.min(wb - 1, Math.floor(((x + 0.5) * wb) / wt));
  }
  return {
    rows: ht * wt,
    cols: base.cols,
    times(m, l) {
      const b = base.times(m, l);
      const out = new Float64Array(ht * wt * l);
      for (let t = 0; t < rowMap.length; t++) for (let j = 0; j < l; j++) out[t * l + j] = b[rowMap[t] * l + j];
      return out;
    },
    transposeTimes(y, l) {
      const yb = new Float64Array(base.rows * l);
      for (let t = 0; t < rowMap.length; t++) for (let j = 0; j < l; j++) yb[rowMap[t] * l + j] += y[t * l + j];
      return base.transposeTimes(yb, l);
    },
    columnMoments(rw) {
      const counts = new Float64Array(base.rows);
      for (let t = 0; t < rowMap.length; t++) counts[rowMap[t]] += rw ? rw[t] : 1;
      return base.columnMoments(counts);
    },
  };
}

/** Side by side: the same pixels, the columns of every part (hypercolumns). */
export function concatColumns(parts: readonly DataMatrix[]): DataMatrix {
  const rows = parts[0].rows;
  if (parts.some((p) => p.rows !== rows)) throw new Error('concatColumns: parts need the same number of rows');
  const offsets: number[] = [];
  let cols = 0;
  for (const p of parts) {
    offsets.push(cols);
    cols += p.cols;
  }
  return {
    rows,
    cols,
    times(m, l) {
      const out = new Float64Array(rows * l);
      parts.forEach((p, i) => {
        const part = p.times(m.subarray(offsets[i] * l, (offsets[i] + p.cols) * l), l);
        for (let k = 0; k < out.length; k++) out[k] += part[k];
      });
      return out;
    },
    transposeTimes(y, l) {
      const out = new Float64Array(cols * l);
      parts.forEach((p, i) => out.set(p.transposeTimes(y, l), offsets[i] * l));
      return out;
    },
    columnMoments(rw) {
      const sum = new Float64Array(cols);
      const sumSq = new Float64Array(cols);
      parts.forEach((p, i) => {
        const m = p.columnMoments(rw);
        sum.set(m.sum, offsets[i]);
        sumSq.set(m.sumSq, offsets[i]);
      });
      return { sum, sumSq };
    },
  };
}

/** One above the other: the pixels of every part (e.g. two images), the same columns. */
export function concatRows(parts: readonly DataMatrix[]): DataMatrix {
  const cols = parts[0].cols;
  if (parts.some((p) => p.cols !== cols)) throw new Error('concatRows: parts need the same number of columns');
  const offsets: number[] = [];
  let rows = 0;
  for (const p of parts) {
    offsets.push(rows);
    rows += p.rows;
  }
  return {
    rows,
    cols,
    times(m, l) {
      const out = new Float64Array(rows * l);
      parts.forEach((p, i) => out.set(p.times(m, l), offsets[i] * l));
      return out;
    },
    transposeTimes(y, l) {
      const out = new Float64Array(cols * l);
      parts.forEach((p, i) => {
        const part = p.transposeTimes(y.subarray(offsets[i] * l, (offsets[i] + p.rows) * l), l);
        for (let k = 0; k < out.length; k++) out[k] += part[k];
      });
      return out;
    },
    columnMoments(rw) {
      const sum = new Float64Array(cols);
      const sumSq = new Float64Array(cols);
      parts.forEach((p, i) => {
        const m = p.columnMoments(rw?.subarray(offsets[i], offsets[i] + p.rows));
        for (let k = 0; k < cols; k++) {
          sum[k] += m.sum[k];
          sumSq[k] += m.sumSq[k];
        }
      });
      return { sum, sumSq };
    },
  };
}

/**
 * Several levels as one hypercolumn matrix on a common grid. Each level is
 * scaled to unit total variance first, so a level with large activations (or
 * many channels) does not decide the colours alone.
 */
export function hypercolumnMatrix(levels: readonly Level[], grid: readonly [number, number], relu = false, weights = levelWeights(levels, relu)): DataMatrix {
  return concatColumns(
    levels.map((lv, i) => {
      const [, h, w] = lv.shape;
      if (h === grid[0] && w === grid[1]) return levelMatrix(lv, relu, weights[i]);
      // Finer than the grid: read only the sampled pixels. Coarser: repeat cells (a gather of few rows).
      if (h >= grid[0] && w >= grid[1]) return levelMatrix(lv, relu, weights[i], gridPixels(h, w, grid));
      return resampledMatrix(levelMatrix(lv, relu, weights[i]), [h, w], grid);
    }),
  );
}

/** Per level, 1/√(total variance): the scaling that gives every level the same say in a joint fit. */
export function levelWeights(levels: readonly Level[], relu = false): number[] {
  return levels.map((lv) => {
    const raw = levelMatrix(lv, relu);
    const { sum, sumSq } = raw.columnMoments();
    let total = 0;
    for (let k = 0; k < raw.cols; k++) total += sumSq[k] / raw.rows - (sum[k] / raw.rows) ** 2;
    return total > 0 ? 1 / Math.sqrt(total) : 1;
  });
}

/**
 * Scores of a joint (hypercolumn) fit on several grids. Each level is projected
 * once at its own resolution, then sampled onto every grid — the same as
 * projectPca(fit, hypercolumnMatrix(levels, grid)) per grid, without redoing
 * the large levels for each one.
 */
export function projectHypercolumns(fit: PcaFit, levels: readonly Level[], grids: ReadonlyArray<readonly [number, number]>, relu = false, weights = levelWeights(levels, relu)): Float32Array[][] {
  const k = fit.components.length;
  let offset = 0;
  const partials = levels.map((lv, i) => {
    const [c] = lv.shape;
    const basis = new Float64Array(c * k);
    for (let ch = 0; ch < c; ch++) for (let j = 0; j < k; j++) basis[ch * k + j] = fit.components[j][offset + ch];
    offset += c;
    return levelMatrix(lv, relu, weights[i]).times(basis, k);
  });
  if (offset !== fit.mean.length) throw new Error(`projectHypercolumns: the levels hold ${offset} channels, the fit ${fit.mean.length}`);
  const shift = fit.components.map((v) => v.reduce((acc, x, ch) => acc + x * fit.mean[ch], 0));
  return grids.map(([gh, gw]) => {
    const out = fit.components.map(() => new Float32Array(gh * gw).fill(0));
    const acc = new Float64Array(gh * gw * k);
    levels.forEach((lv, i) => {
      const [, h, w] = lv.shape;
      const rows = gridPixels(h, w, [gh, gw]);
      const part = partials[i];
      for (let t = 0; t < rows.length; t++) for (let j = 0; j < k; j++) acc[t * k + j] += part[rows[t] * k + j];
    });
    for (let t = 0; t < gh * gw; t++) for (let j = 0; j < k; j++) out[j][t] = acc[t * k + j] - shift[j];
    return out;
  });
}

/**
 * A grid of at most `maxCells` cells with the map's aspect: large maps are
 * fitted on a nearest-neighbour subsample (then every pixel is projected), so
 * a 512×512 level fits as fast as a 64×64 one.
 */
export function fitGrid(h: number, w: number, maxCells = 2048): [number, number] {
  if (h * w <= maxCells) return [h, w];
  const f = Math.sqrt(maxCells / (h * w));
  return [Math.max(1, Math.floor(h * f)), Math.max(1, Math.floor(w * f))];
}

export interface PcaOptions {
  /** Components kept (3 for RGB). */
  k?: number;
  oversample?: number;
  powerIterations?: number;
  seed?: number;
  /** Robust clipping: scores outside these quantiles of the fitted data saturate. */
  clipQuantiles?: readonly [number, number];
}

export interface PcaFit {
  /** Column means, length cols. */
  mean: Float64Array;
  /** k unit vectors of length cols (loadings), largest variance first. */
  components: Float64Array[];
  /** Variance along each component (eigenvalues of the covariance, divisor rows − 1). */
  variances: number[];
  totalVariance: number;
  /** Per component, the score range painted from 0 to 255. */
  clip: Range[];
}

/** Xc·B = X·B − 1·(meanᵀB) */
function centredTimes(x: DataMatrix, mean: Float64Array, m: Float64Array, l: number): Float64Array {
  const y = x.times(m, l);
  const shift = new Float64Array(l);
  for (let c = 0; c < x.cols; c++) for (let j = 0; j < l; j++) shift[j] += mean[c] * m[c * l + j];
  for (let r = 0; r < x.rows; r++) for (let j = 0; j < l; j++) y[r * l + j] -= shift[j];
  return y;
}

/** Xcᵀ·Y = XᵀY − mean·(1ᵀY) */
function centredTransposeTimes(x: DataMatrix, mean: Float64Array, y: Float64Array, l: number): Float64Array {
  const z = x.transposeTimes(y, l);
  const colSums = new Float64Array(l);
  for (let r = 0; r < x.rows; r++) for (let j = 0; j < l; j++) colSums[j] += y[r * l + j];
  for (let c = 0; c < x.cols; c++) for (let j = 0; j < l; j++) z[c * l + j] -= mean[c] * colSums[j];
  return z;
}

const MAX_QUANTILE_SAMPLES = 20000;

export function fitPca(x: DataMatrix, o: PcaOptions = {}): PcaFit {
  const k = Math.min(o.k ?? 3, x.cols, x.rows);
  const l = Math.min(k + (o.oversample ?? 4), x.cols, x.rows);
  const { sum, sumSq } = x.columnMoments();
  const mean = new Float64Array(x.cols);
  let totalVariance = 0;
  const dof = Math.max(1, x.rows - 1);
  for (let c = 0; c < x.cols; c++) {
    mean[c] = sum[c] / x.rows;
    totalVariance += Math.max(0, sumSq[c] - x.rows * mean[c] * mean[c]) / dof;
  }
  const normal = seededNormal(o.seed ?? 0x5eed);
  const omega = new Float64Array(x.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = normal();

  // Range finder with power iterations: Q spans the top singular directions of Xc.
  let q = centredTimes(x, mean, omega, l);
  orthonormalizeColumns(q, x.rows, l);
  for (let it = 0; it < (o.powerIterations ?? 4); it++) {
    const z = centredTransposeTimes(x, mean, q, l);
    orthonormalizeColumns(z, x.cols, l);
    q = centredTimes(x, mean, z, l);
    orthonormalizeColumns(q, x.rows, l);
  }
  // Bᵀ = Xcᵀ Q (cols×l); the small Gram B Bᵀ gives singular values and left vectors.
  const bt = centredTransposeTimes(x, mean, q, l);
  const gram = new Float64Array(l * l);
  for (let c = 0; c < x.cols; c++) {
    for (let i = 0; i < l; i++) {
      const bi = bt[c * l + i];
      if (bi === 0) continue;
      for (let j = 0; j < l; j++) gram[i * l + j] += bi * bt[c * l + j];
    }
  }
  const eig = symmetricEigen(gram, l);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let comp = 0; comp < k; comp++) {
    const s2 = Math.max(0, eig.values[comp]);
    const s = Math.sqrt(s2);
    const v = new Float64Array(x.cols);
    if (s > 0) {
      for (let c = 0; c < x.cols; c++) {
        let acc = 0;
        for (let j = 0; j < l; j++) acc += bt[c * l + j] * eig.vectors[j * l + comp];
        v[c] = acc / s;
      }
    }
    // Sign convention (as sklearn's svd_flip): the largest loading is positive, so colours repeat.
    let big = 0;
    for (let c = 0; c < x.cols; c++) if (Math.abs(v[c]) > Math.abs(big)) big = v[c];
    if (big < 0) for (let c = 0; c < x.cols; c++) v[c] = -v[c];
    components.push(v);
    variances.push(s2 / dof);
  }
  const fit: PcaFit = { mean, components, variances, totalVariance, clip: [] };
  const scores = projectPca(fit, x);
  const [qlo, qhi] = o.clipQuantiles ?? [0.01, 0.99];
  fit.clip = scores.map((s) => {
    const sample = s.length > MAX_QUANTILE_SAMPLES ? strided(s, MAX_QUANTILE_SAMPLES) : s;
    const lo = quantile(sample, qlo);
    const hi = quantile(sample, qhi);
    return hi > lo ? { min: lo, max: hi } : { min: lo - 1, max: lo + 1 };
  });
  return fit;
}

function strided(values: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const step = values.length / n;
  for (let i = 0; i < n; i++) out[i] = values[Math.floor(i * step)];
  return out;
}

/** Scores of every row on each component: k maps of length rows. */
export function projectPca(fit: PcaFit, x: DataMatrix): Float32Array[] {
  const k = fit.components.length;
  if (x.cols !== fit.mean.length) throw new Error(`projectPca: data has ${x.cols} columns, the fit ${fit.mean.length}`);
  const basis = new Float64Array(x.cols * k);
  fit.components.forEach((v, j) => {
    for (let c = 0; c < x.cols; c++) basis[c * k + j] = v[c];
  });
  const y = centredTimes(x, fit.mean, basis, k);
  return fit.components.map((_, j) => {
    const s = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; r++) s[r] = y[r * k + j];
    return s;
  });
}

/** Three score maps → RGBA, each clipped to its range and stretched to 0..255 (missing components paint 0). */
export function pcaToRgba(scores: readonly Float32Array[], clip: readonly Range[], out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = scores[0]?.length ?? 0;
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  for (let ch = 0; ch < 3; ch++) {
    const s = scores[ch];
    const r = clip[ch];
    for (let i = 0; i < n; i++) {
      rgba[4 * i + ch] = s && r ? Math.round(((s[i] - r.min) / (r.max - r.min)) * 255) : 0;
    }
  }
  for (let i = 0; i < n; i++) rgba[4 * i + 3] = 255;
  return rgba;
}
