/**
 * The golden files' deterministic weights ("formula-v1", see the goldens'
 * README): every element is a hash of its state-dict key and flat index.
 * Also the zoo's "random init": reproducible and fan-in scaled.
 */
import type { StateDict } from './stateDict';
import { numel } from './stateDict';

function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** u(key, i) for i in [0, n): uniform in [0, 1). */
export function formulaUniform(key: string, n: number): Float64Array {
  const seed = fnv1a32(key);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = fmix32((Math.imul(i, 0x9e3779b9) >>> 0) ^ seed) / 4294967296;
  return out;
}

export function formulaTensor(key: string, shape: readonly number[]): Float32Array {
  const n = numel(shape);
  const seed = fnv1a32(key);
  // The README's rule is chosen once per key, not per element (a 100M-weight conv spent most of its time in endsWith).
  const rule: (u: number) => number = key.endsWith('running_var')
    ? (u) => 1 + 0.25 * u
    : key.endsWith('running_mean')
      ? (u) => 0.1 * (2 * u - 1)
      : shape.length >= 2
        ? ((s) => (u: number) => (2 * u - 1) * s)(Math.sqrt(6 / (n / shape[0])))
        : shape.length === 1 && key.endsWith('.weight')
          ? (u) => 1 + 0.1 * (2 * u - 1)
          : (u) => 0.1 * (2 * u - 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rule(fmix32((Math.imul(i, 0x9e3779b9) >>> 0) ^ seed) / 4294967296);
  return out;
}

export function formulaStateDict(entries: ReadonlyArray<{ key: string; shape: readonly number[] }>): StateDict {
  const sd: StateDict = new Map();
  for (const { key, shape } of entries) sd.set(key, { shape: [...shape], data: formulaTensor(key, shape) });
  return sd;
}

/** The goldens' input: x[i] = 2·u("input", i) − 1 over the NCHW shape. */
export function formulaInput(shape: readonly number[]): Float32Array {
  const u = formulaUniform('input', numel(shape));
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = 2 * u[i] - 1;
  return out;
}
