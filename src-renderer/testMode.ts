/**
 * Test mode (`?testMode=1`, or a server started with PYRAMIDSCOPE_TEST_MODE=1):
 * a read-only `window.pyramidscope.state()` (web mode; `window.pyramidscopeTest.state()`
 * everywhere, Electron included) for end-to-end tests, computed here
 * from the store's data, and deterministic rendering (no animations or
 * transitions, idle-time work done before run-status says `ready`).
 */
import type { AppStore } from './store';
import type { AppState } from './store/types';
import type { ShownLevel } from './store/shown';
import { levelScalar } from './view/levelDisplays';
import { isPrewarmed } from './view/prewarm';

export interface Stats {
  min: number;
  max: number;
  mean: number;
  /** FNV-1a (32-bit, hex) over the float32 bytes of the values. */
  checksum: string;
}

export interface LevelState extends Stats {
  index: number;
  module: string;
  /** [C, H, W]. */
  shape: [number, number, number];
  dtype: 'float32' | 'float16';
  /** The 2-D map shown for this level in the current view mode ([H, W]; absent in `pca`). */
  map?: Stats & { shape: [number, number] };
}

export interface TestState {
  status: AppState['status'];
  /** The idle-time aggregate passes over the shown result are done (test mode's `ready` waits for them). */
  settled: boolean;
  error?: string;
  model: string;
  image: string;
  outIndices: number[];
  outputStride: number;
  inputSize?: number | [number, number];
  view: { mode: string; channel: number; sign: string; colormap: string; norm: string; theme: string };
  levels: LevelState[];
}

export function isTestMode(): boolean {
  if (typeof document === 'undefined') return false;
  if (document.querySelector('meta[name="pyramidscope-test-mode"]')) return true;
  try {
    return new URLSearchParams(location.search).get('testMode') === '1';
  } catch {
    return false;
  }
}

/** FNV-1a over the float32 bytes of `values` (float16 levels are widened first). */
export function fnv1a(values: ArrayLike<number>): string {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function stats(values: ArrayLike<number>): Stats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: values.length ? sum / values.length : NaN, checksum: fnv1a(values) };
}

function levelState(level: ShownLevel, s: AppState): LevelState {
  const [c, h, w] = level.shape;
  const out: LevelState = { index: level.index, module: level.module, shape: [c, h, w], dtype: level.dtype, ...stats(level.data) };
  if (s.viewMode !== 'pca') {
    const { values } = levelScalar(level, s.viewMode, Math.min(s.channel, c - 1), s.valueSign);
    out.map = { shape: [h, w], ...stats(values) };
  }
  return out;
}

export function testState(s: AppState): TestState {
  const result = s.status === 'ready' ? s.result : undefined;
  return {
    status: s.status,
    settled: s.status !== 'running' && (!s.result || isPrewarmed(s.result.levels)),
    error: s.error?.message,
    model: s.selected,
    image: s.imageLabel,
    outIndices: [...s.outIndices],
    outputStride: s.outputStride,
    inputSize: Array.isArray(s.inputSize) ? [s.inputSize[0], s.inputSize[1]] : s.inputSize,
    view: { mode: s.viewMode, channel: s.channel, sign: s.valueSign, colormap: s.colormap, norm: s.normScope, theme: s.theme },
    levels: result ? result.levels.map((l) => levelState(l, s)) : [],
  };
}

/** Installs window.pyramidscope (frozen, read-only) and marks the document for deterministic rendering. */
export function installTestMode(store: AppStore): void {
  // styles.css turns animations and transitions off under html[data-test-mode] (the CSP allows no inline style).
  document.documentElement.dataset.testMode = '1';
  const api = Object.freeze({ state: () => testState(store.getState()) });
  // In Electron window.pyramidscope is the preload's (frozen) contract API: there the state is only on pyramidscopeTest.
  const w = window as unknown as Record<string, unknown>;
  if (!('pyramidscope' in w)) Object.defineProperty(window, 'pyramidscope', { value: api, writable: false, configurable: false });
  Object.defineProperty(window, 'pyramidscopeTest', { value: api, writable: false, configurable: false });
}
