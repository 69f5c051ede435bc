import { describe, expect, it } from 'vitest';
import { concatRows, fitGrid, fitPca, gridPixels, hypercolumnMatrix, levelMatrix, pcaToRgba, projectHypercolumns, projectPca, resampledMatrix, type DataMatrix } from './pca';
import { orthonormalizeColumns, seededNormal, symmetricEigen } from './linalg';
import type { Level } from './reduce';

/** A [C, H, W] level whose pixels are mean + Σ_k s_k·u_k(p)·v_k: PCA must give back v_k and s_k². */
function knownLevel(c: number, h: number, w: number, singular: number[], noise = 0) {
  const n = h * w;
  const r = singular.length;
  const rand = seededNormal(7);
  const u = new Float64Array(n * r).map(() => rand());
  // Centre U's columns, then orthonormalise: the data mean is then exactly `mean`.
  for (let j = 0; j < r; j++) {
    let m = 0;
    for (let p = 0; p < n; p++) m += u[p * r + j];
    for (let p = 0; p < n; p++) u[p * r + j] -= m / n;
  }
  orthonormalizeColumns(u, n, r);
  const v = new Float64Array(c * r).map(() => rand());
  orthonormalizeColumns(v, c, r);
  const mean = Array.from({ length: c }, (_, k) => Math.sin(k));
  const data = new Float32Array(c * n);
  for (let k = 0; k < c; k++) {
    for (let p = 0; p < n; p++) {
      let x = mean[k] + noise * rand();
      for (let j = 0; j < r; j++) x += singular[j] * u[p * r + j] * v[k * r + j];
      data[k * n + p] = x;
    }
  }
  const components = singular.map((_, j) => Float64Array.from({ length: c }, (_, k) => v[k * r + j]));
  return { level: { shape: [c, h, w] as const, data }, components, mean };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The dense X of a DataMatrix, by multiplying with the identity. */
function dense(x: DataMatrix): Float64Array {
  const eye = new Float64Array(x.cols * x.cols);
  for (let i = 0; i < x.cols; i++) eye[i * x.cols + i] = 1;
  return x.times(eye, x.cols);
}

describe('fitPca', () => {
  it('recovers a known decomposition: components, variances and mean', () => {
    const singular = [40, 25, 12, 5, 2];
    const { level, components, mean } = knownLevel(40, 15, 20, singular);
    const n = 15 * 20;
    const fit = fitPca(levelMatrix(level));
    expect(fit.components).toHaveLength(3);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(dot(fit.components[j], components[j]))).toBeCloseTo(1, 5);
      expect(fit.variances[j]).toBeCloseTo(singular[j] ** 2 / (n - 1), 3);
    }
    for (let k = 0; k < 40; k++) expect(fit.mean[k]).toBeCloseTo(mean[k], 4);
    const total = singular.reduce((s, x) => s + x * x, 0) / (n - 1);
    expect(fit.totalVariance).toBeCloseTo(total, 2);
  });

  it('matches an exact eigen-decomposition of the covariance on full-rank noisy data', () => {
    const { level } = knownLevel(24, 12, 12, [30, 20, 14, 6], 0.5);
    const [c, h, w] = level.shape;
    const n = h * w;
    const cov = new Float64Array(c * c);
    const mu = Array.from({ length: c }, (_, k) => level.data.subarray(k * n, (k + 1) * n).reduce((s, x) => s + x, 0) / n);
    for (let a = 0; a < c; a++)
      for (let b = 0; b < c; b++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += (level.data[a * n + p] - mu[a]) * (level.data[b * n + p] - mu[b]);
        cov[a * c + b] = s / (n - 1);
      }
    const exact = symmetricEigen(cov, c);
    const fit = fitPca(levelMatrix(level));
    for (let j = 0; j < 3; j++) {
      const v = Float64Array.from({ length: c }, (_, k) => exact.vectors[k * c + j]);
      expect(Math.abs(dot(fit.components[j], v))).toBeCloseTo(1, 4);
      expect(fit.variances[j] / exact.values[j]).toBeCloseTo(1, 4);
    }
  });

  it('fixes the sign so the largest loading is positive, and clips at the 1st/99th percentiles', () => {
    const { level } = knownLevel(16, 10, 10, [10, 8, 6]);
    const fit = fitPca(levelMatrix(level));
    for (const v of fit.components) {
      const big = [...v].reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      expect(big).toBeGreaterThan(0);
    }
    const scores = projectPca(fit, levelMatrix(level));
    const below = scores[0].filter((s) => s < fit.clip[0].min).length;
    const above = scores[0].filter((s) => s > fit.clip[0].max).length;
    expect(below).toBeLessThanOrEqual(1);
    expect(above).toBeLessThanOrEqual(1);
    expect(fit.clip[0].max).toBeGreaterThan(fit.clip[0].min);
  });

  it('fits two images jointly as one stacked matrix', () => {
    const a = knownLevel(12, 8, 8, [9, 5, 3]).level;
    const b = { shape: [12, 8, 8] as const, data: a.data.map((x, i) => x * 0.5 + (i % 7) * 0.01) };
    const joint = fitPca(concatRows([levelMatrix(a), levelMatrix(b)]));
    // The same fit from one explicit level holding both images' pixels side by side.
    const both = new Float32Array(12 * 128);
    for (let k = 0; k < 12; k++) {
      both.set(a.data.subarray(k * 64, (k + 1) * 64), k * 128);
      both.set(b.data.subarray(k * 64, (k + 1) * 64), k * 128 + 64);
    }
    const explicit = fitPca(levelMatrix({ shape: [12, 8, 16], data: both }));
    for (let j = 0; j < 3; j++) expect(dot(joint.components[j], explicit.components[j])).toBeCloseTo(1, 6);
  });
});

describe('data matrices', () => {
  const level: Level = { shape: [3, 2, 2], data: Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4, 0.5, 0, -0.5, 2]) };

  it('levelMatrix is pixels × channels, with ReLU and weight applied', () => {
    expect([...dense(levelMatrix(level))]).toEqual([1, -1, 0.5, 2, -2, 0, 3, -3, -0.5, 4, -4, 2]);
    expect([...dense(levelMatrix(level, true, 2))]).toEqual([2, 0, 1, 4, 0, 0, 6, 0, 0, 8, 0, 4]);
  });

  it('resampledMatrix repeats cells by nearest neighbour, and its transpose and moments agree with the dense matrix', () => {
    const up = resampledMatrix(levelMatrix(level), [2, 2], [4, 4]);
    const d = dense(up);
    expect(up.rows).toBe(16);
    // Target row (1, 3) comes from source cell (0, 1).
    expect([...d.subarray((1 * 4 + 3) * 3, (1 * 4 + 3) * 3 + 3)]).toEqual([2, -2, 0]);
    const y = Float64Array.from({ length: 16 }, (_, i) => i - 3);
    const z = up.transposeTimes(y, 1);
    for (let c = 0; c < 3; c++) expect(z[c]).toBeCloseTo([...Array(16).keys()].reduce((s, r) => s + d[r * 3 + c] * y[r], 0), 10);
    const m = up.columnMoments();
    expect(m.sum[0]).toBeCloseTo(4 * (1 + 2 + 3 + 4), 10);
  });

  it('hypercolumnMatrix stacks levels on a common grid, each scaled to unit total variance', () => {
    const coarse: Level = { shape: [2, 1, 1], data: Float32Array.from([5, 6]) };
    const hc = hypercolumnMatrix([level, coarse], [2, 2]);
    expect(hc.cols).toBe(5);
    const { sum, sumSq } = hc.columnMoments();
    let total = 0;
    for (let c = 0; c < 3; c++) total += sumSq[c] / 4 - (sum[c] / 4) ** 2;
    expect(total).toBeCloseTo(1, 6);
  });
});

describe('pcaToRgba', () => {
  it('stretches each component over its clip range and saturates outside it', () => {
    const rgba = pcaToRgba([Float32Array.from([0, 5, 20]), Float32Array.from([1, 1, 1]), Float32Array.from([-9, 0, 9])], [
      { min: 0, max: 10 },
      { min: 0, max: 2 },
      { min: -1, max: 1 },
    ]);
    expect([...rgba]).toEqual([0, 128, 0, 255, 128, 128, 128, 255, 255, 128, 255, 255]);
  });
});

describe('subsampled pixels', () => {
  it('levelMatrix over gridPixels equals resampling the full level onto the coarser grid', () => {
    const { level } = knownLevel(5, 9, 7, [3, 2]);
    const grid = [4, 3] as const;
    const direct = dense(levelMatrix(level, true, 0.5, gridPixels(9, 7, grid)));
    const resampled = dense(resampledMatrix(levelMatrix(level, true, 0.5), [9, 7], grid));
    expect([...direct]).toEqual([...resampled]);
    expect(fitGrid(512, 256)).toEqual([64, 32]);
    expect(fitGrid(10, 10)).toEqual([10, 10]);
  });
});

describe('projectHypercolumns', () => {
  it('equals projecting the hypercolumn matrix on each grid', () => {
    const a = knownLevel(6, 8, 8, [5, 3, 2]).level;
    const b = knownLevel(4, 4, 4, [4, 2]).level;
    const c = knownLevel(3, 2, 2, [2]).level;
    const levels = [a, b, c];
    const fit = fitPca(hypercolumnMatrix(levels, [8, 8], true));
    const grids = [[8, 8], [4, 4], [2, 2]] as const;
    const fast = projectHypercolumns(fit, levels, grids, true);
    grids.forEach((g, i) => {
      const slow = projectPca(fit, hypercolumnMatrix(levels, g, true));
      for (let j = 0; j < 3; j++) for (let t = 0; t < slow[j].length; t++) expect(fast[i][j][t]).toBeCloseTo(slow[j][t], 4);
    });
  });
});
