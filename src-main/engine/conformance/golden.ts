/** The golden file format (see the goldens' README), and the pass rule. */
import type { TensorData } from '../weights/stateDict';
import { formatShape, sameShape } from '../weights/stateDict';

export interface GoldenOutput {
  shape: number[];
  mean: number;
  std: number;
  samples: Array<[number, number]>;
}

export interface GoldenCase {
  id: string;
  kwargs: {
    features_only?: boolean;
    out_indices?: number[];
    output_stride?: number;
    num_classes?: number;
    global_pool?: string;
  };
  call?: 'forward' | 'forward_features';
  reset_classifier?: [number, string?];
  input: [number, number, number, number];
  feature_info?: { channels: number[]; reduction: number[]; module: string[] };
  outputs: GoldenOutput[];
  raises?: string;
}

export interface GoldenFile {
  model: string;
  weights: string;
  param_count: number;
  state_dict: Array<[string, number[]]>;
  cases: GoldenCase[];
}

export function parseGolden(text: string, source: string): GoldenFile {
  const g = JSON.parse(text) as GoldenFile;
  if (typeof g.model !== 'string' || !Array.isArray(g.cases) || !Array.isArray(g.state_dict)) {
    throw new Error(`${source}: not a golden file (needs model, state_dict and cases)`);
  }
  if (g.weights !== 'formula-v1') throw new Error(`${source}: weights rule '${g.weights}' is not supported (only formula-v1)`);
  return g;
}

/** Population mean and standard deviation, in float64. */
export function meanStd(data: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const mean = sum / data.length;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / data.length) };
}

/** The README's pass rule for one output; returns the reasons it fails (empty when it passes). */
export function compareOutput(actual: TensorData, ref: GoldenOutput, tolerance = 1e-3): string[] {
  if (!sameShape(actual.shape, ref.shape)) return [`shape ${formatShape(actual.shape)} ≠ ${formatShape(ref.shape)}`];
  const problems: string[] = [];
  const sigma = ref.std;
  const { mean, std } = meanStd(actual.data);
  if (Math.abs(mean - ref.mean) > tolerance * sigma) problems.push(`mean ${mean} ≠ ${ref.mean}`);
  if (Math.abs(std - ref.std) > tolerance * sigma) problems.push(`std ${std} ≠ ${ref.std}`);
  for (const [i, v] of ref.samples) {
    const got = actual.data[i];
    if (!(Math.abs(got - v) <= tolerance * (sigma + Math.abs(v)))) problems.push(`x[${i}] = ${got}, expected ${v}`);
  }
  return problems;
}
