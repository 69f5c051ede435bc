/** Top-k ImageNet-1k classes from logits, with the class names the app ships. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Prediction } from '../../src-shared/contract';
import { resourcesDir } from './resources';

let names: string[] | undefined;

/** The 1000 ImageNet-1k class names in index order (from torchvision's metadata, BSD-3-Clause). */
export function imagenetClassNames(): string[] {
  names ??= JSON.parse(readFileSync(path.join(resourcesDir(), 'imagenet_classes.json'), 'utf8')) as string[];
  return names;
}

export function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function topPredictions(logits: Float32Array, k: number): Prediction[] {
  const p = softmax(logits);
  const labels = logits.length === 1000 ? imagenetClassNames() : [];
  return [...p.keys()]
    .sort((a, b) => p[b] - p[a])
    .slice(0, k)
    .map((i) => ({ classIndex: i, label: labels[i] ?? `class ${i}`, probability: p[i] }));
}
