/**
 * `explore:geometry`: every feature level's receptive field, stride on the
 * input and stage dilation, for a model at an output stride and input size.
 * Runs the model on RfOps (no weights, no numbers): microseconds to milliseconds.
 */
import type { GeometryResult, InputSize, LevelGeometry } from '../../../src-shared/contract';
import { createModel, givenOutputStride } from '../zoo/builder';
import { getEntry } from '../zoo/registry';
import { resolveSettings } from '../zoo/describe';
import { RfOps, inputRf, type RfValue } from './rfOps';

export function levelGeometry(req: { model: string; outputStride?: number; inputSize?: InputSize }): GeometryResult {
  const entry = getEntry(req.model);
  const r = resolveSettings(entry, { outputStride: req.outputStride, inputSize: req.inputSize });
  const built = createModel(entry.name, { featuresOnly: true, outputStride: givenOutputStride(entry.name, r.outputStride) });
  const count = built.model.featureInfo.length;
  const input = inputRf({ n: 1, c: 3, h: r.inputSize[0], w: r.inputSize[1] });
  const levels: LevelGeometry[] = [];
  let convsBefore = 0;
  let prevJump = 1;
  for (let i = 0; i < count; i++) {
    // One run per level: the convs logged beyond the previous run's belong to this stage.
    const ops = new RfOps();
    const [v] = built.model.forwardLevels(ops, input, [i]) as RfValue[];
    const stage = ops.convs.slice(convsBefore);
    convsBefore = ops.convs.length;
    const f = built.model.featureInfo[i];
    levels.push({
      index: i,
      module: f.module,
      numChs: f.numChs,
      reduction: f.reduction,
      ...(f.branch !== undefined ? { branch: f.branch } : {}),
      shape: [v.dims.c, v.dims.h, v.dims.w],
      jump: [v.jump[0], v.jump[1]],
      rfSize: [v.size[0], v.size[1]],
      rfStart: [v.start[0], v.start[1]],
      dilation: stage.reduce((m, c) => Math.max(m, c.dilation[0], c.dilation[1]), 1),
      stageStride: v.jump[0] / prevJump,
    });
    prevJump = v.jump[0];
  }
  return { model: entry.name, outputStride: r.outputStride, inputSize: r.inputSize, levels };
}
