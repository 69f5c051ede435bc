/** What the zoo knows about a model without running it: summaries and output shapes. */
import type { DescribedLevel, ModelSummary } from '../../../src-shared/contract';
import type { ModelEntry } from './model';
import { createModel, normalizeOutIndices, checkOutputStride } from './builder';
import { ShapeOps } from '../ops/shapeOps';
import { EngineError } from '../errors';

export const INPUT_SIZE_RANGE = { min: 16, max: 2048 } as const;

export function summarize(entry: ModelEntry): ModelSummary {
  const built = createModel(entry.name);
  const levels = built.model.featureInfo.map((f, index) => ({ index, module: f.module, numChs: f.numChs, reduction: f.reduction }));
  const cfg = entry.pretrained[0];
  return {
    name: entry.name,
    family: entry.family,
    paramCount: built.model.registry.parameterCount(),
    levels,
    outputStrides: [...entry.outputStrides],
    defaultOutIndices: [...(entry.defaultOutIndices ?? levels.map((l) => l.index))],
    defaultInputSize: cfg.inputSize,
    pretrained: entry.pretrained
      .filter((p) => p.hfHubId)
      .map((p) => ({ name: p.name, hfHubId: p.hfHubId, inputSize: p.inputSize, cropPct: p.cropPct, interpolation: p.interpolation, mean: p.mean, std: p.std, license: p.license })),
  };
}

export function checkInputSize(size: number): void {
  if (!Number.isInteger(size) || size < INPUT_SIZE_RANGE.min || size > INPUT_SIZE_RANGE.max) {
    throw new EngineError('BAD_INPUT_SIZE', `input size ${size} is not allowed; allowed: whole numbers ${INPUT_SIZE_RANGE.min}..${INPUT_SIZE_RANGE.max}`, {
      inputSize: size,
      ...INPUT_SIZE_RANGE,
    });
  }
}

export interface ResolvedSettings {
  entry: ModelEntry;
  outIndices: number[];
  outputStride: number;
  inputSize: [number, number];
}

/** Checks a user's settings against the model and fills timm's defaults. */
export function resolveSettings(entry: ModelEntry, s: { outIndices?: number[]; outputStride?: number; inputSize?: number }): ResolvedSettings {
  const outputStride = s.outputStride ?? 32;
  checkOutputStride(entry, outputStride);
  if (s.inputSize !== undefined) checkInputSize(s.inputSize);
  const probe = createModel(entry.name, { featuresOnly: true, outputStride });
  const levels = probe.model.featureInfo.length;
  const outIndices = normalizeOutIndices(s.outIndices ?? entry.defaultOutIndices ?? [...Array(levels).keys()], levels);
  const [, h, w] = entry.pretrained[0].inputSize;
  return { entry, outIndices, outputStride, inputSize: s.inputSize ? [s.inputSize, s.inputSize] : [h, w] };
}

/** Output shapes [C, H, W] of the chosen levels, by running the model on shapes alone. */
export function describeLevels(r: ResolvedSettings): DescribedLevel[] {
  const built = createModel(r.entry.name, { featuresOnly: true, outputStride: r.outputStride, outIndices: r.outIndices });
  const dims = built.model.forwardLevels(new ShapeOps(), { n: 1, c: 3, h: r.inputSize[0], w: r.inputSize[1] }, built.outIndices);
  return built.outIndices.map((index, i) => {
    const f = built.model.featureInfo[index];
    return { index, module: f.module, numChs: f.numChs, reduction: f.reduction, shape: [dims[i].c, dims[i].h, dims[i].w] };
  });
}
