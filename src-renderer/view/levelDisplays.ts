/**
 * From a pane's levels and the view settings to what each level panel paints:
 * a scalar map with its colour-bar range, or a PCA RGB image. Everything
 * derived from a level's data is cached on that data (a WeakMap), so a
 * display-only change recomputes only what it must — a colormap change
 * recomputes nothing, a new aggregate reduces each level once.
 */
import type { ShownLevel } from '../store/shown';
import { clampChannel, describeScalarMap, isScalarMode, scalarMap, type DisplayMode, type ValueSign } from '../../src-shared/maps/display';
import { minMax, reduceAllChannels } from '../../src-shared/maps/reduce';
import { levelRange, scopeRanges, unionRange, zeroCentred, type NormScope, type Range } from '../../src-shared/maps/normalize';
import { concatRows, fitGrid, fitPca, gridPixels, hypercolumnMatrix, levelMatrix, levelWeights, pcaToRgba, projectHypercolumns, projectPca, type DataMatrix, type PcaFit } from '../../src-shared/maps/pca';
import type { PcaFitScope } from '../../src-shared/export/session';

export interface DisplayOptions {
  mode: DisplayMode;
  channel: number;
  sign: ValueSign;
  normScope: NormScope;
  fixedRange: Range;
  zeroCentre: boolean;
  pcaFit: PcaFitScope;
}

interface Base {
  index: number;
  shape: readonly [number, number, number];
  label: string;
}

export interface ScalarDisplay extends Base {
  kind: 'scalar';
  values: Float32Array;
  /** This map's own min and max. */
  mapRange: Range;
  /** The colour bar's two ends under the normalisation scope. */
  range: Range;
}

export interface RgbDisplay extends Base {
  kind: 'rgb';
  rgba: Uint8ClampedArray;
  /** Per component (R, G, B), the score range stretched over 0..255. */
  clip: Range[];
  /** Fraction of the variance each component explains. */
  explained: number[];
  /** A grey stand-in while the fit runs off the main thread (pcaAsync.ts). */
  pending?: boolean;
}

export type LevelDisplay = ScalarDisplay | RgbDisplay;

const cache = new WeakMap<object, Map<string, unknown>>();

/** A value derived from one level's data, computed once per data array. */
export function cachedOn<T>(data: object, key: string, compute: () => T): T {
  let m = cache.get(data);
  if (!m) {
    m = new Map();
    cache.set(data, m);
  }
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/** The map a level shows in a scalar mode, with its own range. Aggregates are cached; channel maps are cheap views. */
export function levelScalar(level: ShownLevel, mode: Exclude<DisplayMode, 'pca'>, channel: number, sign: ValueSign): { values: Float32Array; mapRange: Range } {
  if (mode === 'channel') {
    const values = scalarMap(level, 'channel', channel, sign);
    return { values, mapRange: minMax(values) };
  }
  return cachedOn(level.data, `${mode}|${sign}`, () => {
    // The first aggregate asked for reduces the level to all of them in one pass.
    const values = cachedOn(level.data, `aggregates|${sign}`, () => reduceAllChannels(level, sign === 'relu'))[mode];
    return { values, mapRange: minMax(values) };
  });
}

/** Scalar displays of one pane before scoping: each map and its ranges. */
function scalarParts(levels: readonly ShownLevel[], o: DisplayOptions) {
  const mode = o.mode as Exclude<DisplayMode, 'pca'>;
  return levels.map((level) => {
    const { values, mapRange } = levelScalar(level, mode, o.channel, o.sign);
    // 'level' scope: in channel mode the whole level (every channel) decides; an aggregate is its level's only map.
    const whole = mode === 'channel' ? cachedOn(level.data, `range|${o.sign}`, () => levelRange(level.data, o.sign === 'relu')) : mapRange;
    return { level, values, mapRange, whole };
  });
}

/**
 * Scalar displays for one or two panes. With `shareAcrossPanes`, each level
 * index present in both panes gets one range (and 'shared' spans both panes).
 */
export function scalarDisplays(panes: ReadonlyArray<readonly ShownLevel[]>, o: DisplayOptions, shareAcrossPanes: boolean): ScalarDisplay[][] {
  const parts = panes.map((levels) => scalarParts(levels, o));
  const all = parts.flat();
  const ranges = parts.map((p) =>
    scopeRanges(o.normScope, {
      mapRanges: p.map((x) => x.mapRange),
      levelRanges: p.map((x) => x.whole),
      sharedWith: shareAcrossPanes ? all.map((x) => x.mapRange) : undefined,
      fixed: o.fixedRange,
      zeroCentre: false,
    }),
  );
  if (shareAcrossPanes && panes.length > 1 && o.normScope !== 'shared' && o.normScope !== 'fixed') {
    const byIndex = new Map<number, Range[]>();
    parts.forEach((p, k) => p.forEach((x, i) => byIndex.set(x.level.index, [...(byIndex.get(x.level.index) ?? []), ranges[k][i]])));
    parts.forEach((p, k) => p.forEach((x, i) => (ranges[k][i] = unionRange(byIndex.get(x.level.index) ?? [ranges[k][i]]))));
  }
  return parts.map((p, k) =>
    p.map((x, i) => ({
      kind: 'scalar' as const,
      index: x.level.index,
      shape: x.level.shape,
      label: describeScalarMap(o.mode as Exclude<DisplayMode, 'pca'>, clampChannel(o.channel, x.level.numChs), x.level.numChs, o.sign),
      values: x.values,
      mapRange: x.mapRange,
      range: o.zeroCentre ? zeroCentred(ranges[k][i]) : ranges[k][i],
    })),
  );
}

const explainedOf = (fit: PcaFit) => fit.variances.map((v) => (fit.totalVariance > 0 ? v / fit.totalVariance : 0));

function rgbOf(level: ShownLevel, fit: PcaFit, x: DataMatrix, label: string): RgbDisplay {
  return { kind: 'rgb', index: level.index, shape: level.shape, label, rgba: pcaToRgba(projectPca(fit, x), fit.clip), clip: fit.clip, explained: explainedOf(fit) };
}

/** The pixels a level's PCA is fitted on: all of them, or a nearest subsample of a large map. */
function fitSample(level: ShownLevel, relu: boolean): DataMatrix {
  const [, h, w] = level.shape;
  const grid = fitGrid(h, w);
  return grid[0] === h && grid[1] === w ? levelMatrix(level, relu) : levelMatrix(level, relu, 1, gridPixels(h, w, grid));
}

let jointMemo: { key: readonly object[]; sign: ValueSign; value: RgbDisplay[][] } | undefined;

/**
 * PCA → RGB. 'level': each level fitted on its own pixels (and, with two panes
 * of the same channels, on both images' pixels, so colours mean the same in
 * both). 'joint': one fit over hypercolumns of every shown level on the finest
 * grid, then each level drawn at its own resolution with the same colours.
 */
export function rgbDisplays(panes: ReadonlyArray<readonly ShownLevel[]>, o: Pick<DisplayOptions, 'sign' | 'pcaFit'>): RgbDisplay[][] {
  const relu = o.sign === 'relu';
  if (o.pcaFit === 'joint') {
    const key = panes.flat().map((l) => l.data);
    if (jointMemo && jointMemo.sign === o.sign && jointMemo.key.length === key.length && jointMemo.key.every((d, i) => d === key[i])) return jointMemo.value;
    const value = jointRgb(panes, relu);
    jointMemo = { key, sign: o.sign, value };
    return value;
  }
  return panes.map((levels, k) =>
    levels.map((level) => {
      const other = panes.length > 1 ? panes[1 - k].find((l) => l.index === level.index && l.numChs === level.numChs) : undefined;
      const x = levelMatrix(level, relu);
      if (other) {
        const [a, b] = k === 0 ? [level, other] : [other, level];
        const fits = cachedOn(a.data, `pca-pair|${o.sign}`, () => new WeakMap<object, PcaFit>());
        let f = fits.get(b.data);
        if (!f) {
          f = fitPca(concatRows([fitSample(a, relu), fitSample(b, relu)]));
          fits.set(b.data, f);
        }
        return rgbOf(level, f, x, 'PCA → RGB, fitted on both panes');
      }
      const f = cachedOn(level.data, `pca|${o.sign}`, () => fitPca(fitSample(level, relu)));
      return rgbOf(level, f, x, 'PCA → RGB of this level');
    }),
  );
}

function jointRgb(panes: ReadonlyArray<readonly ShownLevel[]>, relu: boolean): RgbDisplay[][] {
  const sameLevels = panes.every((p) => p.length === panes[0].length && p.every((l, i) => l.numChs === panes[0][i].numChs));
  const finest = (levels: readonly ShownLevel[]) => levels.reduce((a, b) => (b.shape[1] * b.shape[2] > a.shape[1] * a.shape[2] ? b : a));
  const gridOf = (levels: readonly ShownLevel[]): [number, number] => [finest(levels).shape[1], finest(levels).shape[2]];
  // Across panes only when both hold the same channels level by level (else each pane fits alone).
  const groups = sameLevels ? [panes.map((_, k) => k)] : panes.map((_, k) => [k]);
  const out: RgbDisplay[][] = panes.map(() => []);
  for (const group of groups) {
    const weights = group.map((k) => levelWeights(panes[k], relu));
    const fit = fitPca(concatRows(group.map((k, g) => hypercolumnMatrix(panes[k], fitGrid(...gridOf(panes[k])), relu, weights[g]))));
    group.forEach((k, g) => {
      const grids = panes[k].map((l) => [l.shape[1], l.shape[2]] as const);
      const scores = projectHypercolumns(fit, panes[k], grids, relu, weights[g]);
      out[k] = panes[k].map((level, i) => ({
        kind: 'rgb' as const,
        index: level.index,
        shape: level.shape,
        label: `PCA → RGB, fitted jointly on ${panes[k].length} levels`,
        rgba: pcaToRgba(scores[i], fit.clip),
        clip: fit.clip,
        explained: explainedOf(fit),
      }));
    });
  }
  return out;
}

let lastCall: { panes: ReadonlyArray<readonly ShownLevel[]>; o: DisplayOptions; share: boolean; out: LevelDisplay[][] } | undefined;

const sameOptions = (a: DisplayOptions, b: DisplayOptions) =>
  a.mode === b.mode && a.channel === b.channel && a.sign === b.sign && a.normScope === b.normScope && a.fixedRange === b.fixedRange && a.zeroCentre === b.zeroCentre && a.pcaFit === b.pcaFit;

/**
 * One or two panes' displays in the current mode. The last answer is kept:
 * the pyramid, the probe readout and the exporter ask for the same thing in
 * one render, and get one computation.
 */
export function paneDisplays(panes: ReadonlyArray<readonly ShownLevel[]>, o: DisplayOptions, shareAcrossPanes: boolean): LevelDisplay[][] {
  if (lastCall && lastCall.share === shareAcrossPanes && sameOptions(lastCall.o, o) && lastCall.panes.length === panes.length && lastCall.panes.every((p, k) => p === panes[k])) return lastCall.out;
  const out = isScalarMode(o.mode) ? scalarDisplays(panes, o, shareAcrossPanes) : rgbDisplays(panes, o);
  lastCall = { panes, o, share: shareAcrossPanes, out };
  return out;
}

/** A − B for levels whose shapes agree (else undefined), with a zero-centred range. */
export function differenceMap(a: ScalarDisplay, b: ScalarDisplay): { values: Float32Array; range: Range } | undefined {
  if (a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) return undefined;
  const values = new Float32Array(a.values.length);
  for (let i = 0; i < values.length; i++) values[i] = a.values[i] - b.values[i];
  return { values, range: zeroCentred(minMax(values)) };
}
