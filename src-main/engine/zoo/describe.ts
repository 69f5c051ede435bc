/** What the zoo knows about a model without running it: summaries and output shapes. */
import { inputHW, type DescribedLevel, type InputSize, type LevelInfo, type ModelSummary } from '../../../src-shared/contract';
import type { FeatureLevelInfo, ModelEntry } from './model';
import { createModel, normalizeOutIndices, checkOutputStride, checkOutputStrideArg, givenOutputStride } from './builder';
import { ShapeOps } from '../ops/shapeOps';
import { EngineError } from '../errors';
import { assertInputFits } from './inputSizeCheck';
import type { InputSizeRule } from '../../../src-shared/inputSizeRule';

/** A zoo feature level as the contract states it (branch only where levels are parallel). */
function levelInfo(f: FeatureLevelInfo, index: number): LevelInfo {
  return { index, module: f.module, numChs: f.numChs, reduction: f.reduction, ...(f.branch !== undefined ? { branch: f.branch } : {}) };
}

export const INPUT_SIZE_RANGE = { min: 16, max: 2048 } as const;

export function summarize(entry: ModelEntry): ModelSummary {
  const built = createModel(entry.name);
  const levels = built.model.featureInfo.map((f, index) => levelInfo(f, index));
  const cfg = entry.pretrained[0];
  return {
    name: entry.name,
    family: entry.family,
    paramCount: built.model.registry.parameterCount(),
    levels,
    outputStrides: [...entry.outputStrides],
    defaultOutIndices: [...(entry.defaultOutIndices ?? levels.map((l) => l.index))],
    defaultInputSize: cfg.inputSize,
    ...(entry.inputSizeRule ? { inputSizeRule: entry.inputSizeRule } : {}),
    pretrained: entry.pretrained
      .filter((p) => p.hfHubId)
      .map((p) => ({ name: p.name, hfHubId: p.hfHubId, inputSize: p.inputSize, cropPct: p.cropPct, interpolation: p.interpolation, mean: p.mean, std: p.std, license: p.license })),
  };
}

/** The app's range per side, then the model's own rule (ModelEntry.inputSizeRule) where it has one. */
export function checkInputSize(size: InputSize, rule?: InputSizeRule): [number, number] {
  const hw = inputHW(size);
  for (const side of hw) {
    if (!Number.isInteger(side) || side < INPUT_SIZE_RANGE.min || side > INPUT_SIZE_RANGE.max) {
      const shown = typeof size === 'number' ? `${size}` : `${size[0]}×${size[1]}`;
      throw new EngineError('BAD_INPUT_SIZE', `input size ${shown} is not allowed; allowed: whole numbers ${INPUT_SIZE_RANGE.min}..${INPUT_SIZE_RANGE.max} per side (N, or H×W)`, {
        inputSize: size,
        ...INPUT_SIZE_RANGE,
      });
    }
  }
  if (rule) assertInputFits(rule, hw);
  return hw;
}

export interface ResolvedSettings {
  entry: ModelEntry;
  outIndices: number[];
  outputStride: number;
  inputSize: [number, number];
}

/** Checks a user's settings against the model and fills timm's defaults. */
export function resolveSettings(entry: ModelEntry, s: { outIndices?: number[]; outputStride?: number; inputSize?: InputSize }): ResolvedSettings {
  // The app always builds the features_only model, where timm takes output_stride.
  // …and the model's own stride counts as not given (a family such as Inception-V3 takes none at all).
  checkOutputStrideArg(entry, givenOutputStride(entry.name, s.outputStride), true);
  const outputStride = s.outputStride ?? Math.max(...entry.outputStrides);
  checkOutputStride(entry, outputStride);
  const chosen = s.inputSize !== undefined ? checkInputSize(s.inputSize, entry.inputSizeRule) : undefined;
  const probe = createModel(entry.name, { featuresOnly: true, outputStride: givenOutputStride(entry.name, outputStride) });
  const levels = probe.model.featureInfo.length;
  const outIndices = normalizeOutIndices(s.outIndices ?? entry.defaultOutIndices ?? [...Array(levels).keys()], levels);
  const [, h, w] = entry.pretrained[0].inputSize;
  return { entry, outIndices, outputStride, inputSize: chosen ?? [h, w] };
}

/** Output shapes [C, H, W] of the chosen levels, by running the model on shapes alone. */
export function describeLevels(r: ResolvedSettings): DescribedLevel[] {
  const built = createModel(r.entry.name, { featuresOnly: true, outputStride: givenOutputStride(r.entry.name, r.outputStride), outIndices: r.outIndices });
  const dims = built.model.forwardLevels(new ShapeOps(), { n: 1, c: 3, h: r.inputSize[0], w: r.inputSize[1] }, built.outIndices);
  return built.outIndices.map((index, i) => {
    const f = built.model.featureInfo[index];
    return { ...levelInfo(f, index), shape: [dims[i].c, dims[i].h, dims[i].w] };
  });
}
