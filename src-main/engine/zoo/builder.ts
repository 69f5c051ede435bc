/**
 * timm's build_model_with_cfg, for the zoo: checks and normalises the
 * create_model arguments, builds the architecture, and describes the result.
 */
import type { FeatureLevelInfo, ModelEntry, TimmModel } from './model';
import { getEntry } from './registry';
import { EngineError } from '../errors';
import { GLOBAL_POOL_TYPES } from './layers/classifier';

export interface CreateOptions {
  featuresOnly?: boolean;
  outIndices?: readonly number[];
  outputStride?: number;
  numClasses?: number;
  globalPool?: string;
}

export interface BuiltModel {
  entry: ModelEntry;
  model: TimmModel;
  featuresOnly: boolean;
  /** Normalised out_indices (non-negative, ascending) when featuresOnly. */
  outIndices: number[];
  outputStride: number;
  /** feature_info of the selected levels (all levels when not featuresOnly). */
  featureInfo: FeatureLevelInfo[];
}

/** timm's out_indices rules, with errors instead of silent drops. */
export function normalizeOutIndices(outIndices: readonly number[], numLevels: number): number[] {
  const allowed = `allowed: 0..${numLevels - 1} (or -${numLevels}..-1 from the end)`;
  if (outIndices.length === 0) throw new EngineError('BAD_OUT_INDICES', `out_indices is empty; give at least one level, ${allowed}`, { outIndices, numLevels });
  const seen = new Set<number>();
  for (const i of outIndices) {
    if (!Number.isInteger(i) || i < -numLevels || i >= numLevels) {
      throw new EngineError('BAD_OUT_INDICES', `out_indices value ${i} is out of range for a model with ${numLevels} feature levels; ${allowed}`, { value: i, numLevels });
    }
    const n = i < 0 ? numLevels + i : i;
    if (seen.has(n)) throw new EngineError('BAD_OUT_INDICES', `out_indices names level ${n} twice (${outIndices.join(', ')}); each level may appear once`, { outIndices });
    seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

export function checkOutputStride(entry: ModelEntry, outputStride: number): void {
  if (!entry.outputStrides.includes(outputStride)) {
    throw new EngineError(
      'BAD_OUTPUT_STRIDE',
      `output_stride ${outputStride} is not supported by ${entry.name}; allowed: ${entry.outputStrides.join(', ')}`,
      { outputStride, allowed: entry.outputStrides },
    );
  }
}

/** Refuses an output_stride that timm would not take as an argument for this call at all. */
export function checkOutputStrideArg(entry: ModelEntry, outputStride: number | undefined, featuresOnly: boolean): void {
  if (outputStride === undefined) return;
  const arg = entry.outputStrideArg ?? 'always';
  if (arg === 'always' || (arg === 'featuresOnly' && featuresOnly)) return;
  const when = arg === 'featuresOnly' ? ' without features_only=True (only its feature extractor takes it)' : '';
  throw new EngineError(
    'BAD_OUTPUT_STRIDE',
    `output_stride=${outputStride}: ${entry.name} takes no output_stride argument${when}; leave it out (its stride is ${Math.max(...entry.outputStrides)})`,
    { outputStride, allowed: arg === 'featuresOnly' ? entry.outputStrides : [] },
  );
}

/**
 * The output_stride a timm user would pass for settings the UI holds: none when
 * it is the model's own stride (so families whose classifier takes no
 * output_stride, such as MobileNetV3, build as timm builds them).
 */
export function givenOutputStride(name: string, outputStride: number | undefined): number | undefined {
  return outputStride === undefined || outputStride === Math.max(...getEntry(name).outputStrides) ? undefined : outputStride;
}

export function createModel(name: string, o: CreateOptions = {}): BuiltModel {
  const entry = getEntry(name);
  const featuresOnly = o.featuresOnly ?? false;
  checkOutputStrideArg(entry, o.outputStride, featuresOnly);
  const outputStride = o.outputStride ?? Math.max(...entry.outputStrides);
  checkOutputStride(entry, outputStride);
  const numClasses = featuresOnly ? 0 : (o.numClasses ?? 1000);
  if (!Number.isInteger(numClasses) || numClasses < 0) throw new EngineError('BAD_NUM_CLASSES', `num_classes ${numClasses} must be a whole number ≥ 0`);
  const globalPool = o.globalPool ?? 'avg';
  if (!(GLOBAL_POOL_TYPES as readonly string[]).includes(globalPool)) {
    throw new EngineError('BAD_GLOBAL_POOL', `global_pool '${globalPool}' is not supported; allowed: ${GLOBAL_POOL_TYPES.map((p) => `'${p}'`).join(', ')}`);
  }
  if (!featuresOnly && globalPool === '' && numClasses > 0 && !entry.convClassifier) {
    throw new EngineError('BAD_GLOBAL_POOL', `global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
  }
  const model = entry.create({ numClasses, globalPool, outputStride, inChans: 3 });
  const levels = model.featureInfo.length;
  const outIndices = featuresOnly ? normalizeOutIndices(o.outIndices ?? entry.defaultOutIndices ?? [...Array(levels).keys()], levels) : [];
  const featureInfo = featuresOnly ? outIndices.map((i) => model.featureInfo[i]) : [...model.featureInfo];
  return { entry, model, featuresOnly, outIndices, outputStride, featureInfo };
}
