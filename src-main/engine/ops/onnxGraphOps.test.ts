/**
 * Op-level semantics of the ONNX graph builder against the tfjs executor (the
 * reference that passes every golden), on random data at odd sizes: each case
 * is one small program written against Ops<T>, run once eagerly on tfjs and
 * once as an ONNX graph through ONNX Runtime.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { initBackend } from '../backend';
import type { Activation, NormParams, Ops, ParamRef, Pool2dOptions } from './ops';
import { conv2dSame, maxPool2dSame } from './samePadding';
import { TfjsOps } from './tfjsOps';
import { TfjsParams } from './tfjsParams';
import { OnnxGraph, OnnxGraphOps, type Sym } from './onnxGraphOps';
import { encodeModel, type OnnxModelProto } from './onnxProto';
import { planFusion, traceProgram } from './fusionPlan';
import { formulaStateDict, formulaUniform } from '../weights/formula';
import type { StateDict, TensorData } from '../weights/stateDict';
import { numel } from '../weights/stateDict';

beforeAll(async () => {
  await initBackend('cpu');
});

type Program = <T>(ops: Ops<T>, xs: T[]) => T[];

const p = (key: string, shape: number[]): ParamRef => ({ key, shape });

function randomInput(name: string, shape: number[]): TensorData {
  const u = formulaUniform(name, numel(shape));
  return { shape, data: Float32Array.from(u, (v) => 4 * v - 2) };
}

function runTfjs(program: Program, weights: StateDict, inputs: TensorData[]): TensorData[] {
  const params = new TfjsParams(weights);
  try {
    const outs = tf.tidy(() => {
      const xs = inputs.map((i) => tf.transpose(tf.tensor4d(i.data, i.shape as [number, number, number, number]), [0, 2, 3, 1]));
      return program(new TfjsOps(params), xs).map((y) => (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y));
    });
    const result = outs.map((y) => ({ shape: [...y.shape], data: y.dataSync() as Float32Array }));
    tf.dispose(outs);
    return result;
  } finally {
    params.dispose();
  }
}

function buildOnnx(program: Program, weights: StateDict, shapes: number[][]): OnnxModelProto {
  const graph = new OnnxGraph(weights);
  const xs = shapes.map((s, i) => graph.input(`x${i}`, s));
  // As the executor does: the fusion plan from a trace of the same program decides which convs fold their BatchNorm.
  const plan = planFusion(traceProgram(program, shapes.map(([n, c, h, w]) => ({ n, c, h, w }))));
  const outs: Sym[] = program(new OnnxGraphOps(graph, plan), xs);
  return graph.toModel(outs.map((value, i) => ({ name: `y${i}`, value })));
}

async function runOnnx(program: Program, weights: StateDict, inputs: TensorData[]): Promise<TensorData[]> {
  const model = buildOnnx(program, weights, inputs.map((i) => i.shape));
  const session = await InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'all' });
  try {
    const feeds = Object.fromEntries(inputs.map((x, i) => [`x${i}`, new Tensor('float32', x.data, x.shape)]));
    const result = await session.run(feeds);
    return model.graph.outputs.map((o) => ({ shape: [...result[o.name].dims], data: result[o.name].data as Float32Array }));
  } finally {
    await session.release();
  }
}

/** Runs `program` on both executors and asserts equal shapes and values (float32 rounding only). */
async function expectSame(program: Program, params: ParamRef[], shapes: number[][]): Promise<TensorData[]> {
  const weights = formulaStateDict(params);
  const inputs = shapes.map((s, i) => randomInput(`x${i}`, s));
  const want = runTfjs(program, weights, inputs);
  const got = await runOnnx(program, weights, inputs);
  expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
  got.forEach((g, k) => {
    let scale = 0;
    for (const v of want[k].data) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < g.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i] - want[k].data[i]));
    expect(worst, `output ${k}: max |onnx − tfjs| (reference magnitude ${scale})`).toBeLessThanOrEqual(1e-5 * (1 + scale));
  });
  return got;
}

const pool = (kernel: number, stride: number, padding: number, ceilMode: boolean, countIncludePad?: boolean): Pool2dOptions => ({
  kernel: [kernel, kernel],
  stride: [stride, stride],
  padding: [padding, padding],
  ceilMode,
  countIncludePad,
});

describe('pooling matches torch semantics (via the tfjs executor)', () => {
  const cases: Array<[string, Pool2dOptions]> = [
    ['avg 2×2/2 ceil, count_include_pad=False (ResNet-D avg_down)', pool(2, 2, 0, true, false)],
    ['avg 3×3/2 pad 1 ceil, count_include_pad=True (windows past the padding)', pool(3, 2, 1, true, true)],
    ['avg 3×3/2 pad 1 ceil, count_include_pad=False', pool(3, 2, 1, true, false)],
    ['avg 3×3/2 pad 1 floor, count_include_pad=True (ResNeSt avd)', pool(3, 2, 1, false, true)],
    ['avg 2×2/2 floor (DenseNet transition)', pool(2, 2, 0, false, true)],
    ['avg 3×3/1 pad 1 floor, count_include_pad=False', pool(3, 1, 1, false, false)],
  ];
  for (const [h, w] of [
    [7, 9],
    [8, 10],
    [13, 6],
  ]) {
    it.each(cases)(`%s at ${h}×${w}`, async (_name, o) => {
      await expectSame((ops, [x]) => [ops.avgPool2d(x, o)], [], [[2, 3, h, w]]);
    });
  }

  it.each([
    ['max 3×3/2 ceil (VoVNet)', pool(3, 2, 0, true)],
    ['max 3×3/2 pad 1 floor (ResNet stem)', pool(3, 2, 1, false)],
    ['max 3×3/2 pad 1 ceil', pool(3, 2, 1, true)],
  ])('%s at odd sizes', async (_name, o) => {
    await expectSame((ops, [x]) => [ops.maxPool2d(x, o), ops.maxPool2d(ops.scale(x, -1), o)], [], [[1, 4, 9, 12]]);
  });

  it('global pools, flatten and concat of pooled values', async () => {
    await expectSame(
      (ops, [x]) => [ops.flatten(ops.concatChannels([ops.globalAvgPool(x), ops.globalMaxPool(x)])), ops.globalMaxPool(x)],
      [],
      [[2, 5, 7, 3]],
    );
  });
});

describe('convolution and normalisation', () => {
  it('grouped, dilated, strided conv with bias', async () => {
    await expectSame(
      (ops, [x]) => [ops.conv2d(x, p('c.weight', [6, 2, 3, 3]), { stride: [2, 2], padding: [2, 2], dilation: [2, 2], groups: 2, bias: p('c.bias', [6]) })],
      [p('c.weight', [6, 2, 3, 3]), p('c.bias', [6])],
      [[1, 4, 11, 9]],
    );
  });

  it('depthwise conv with a channel multiplier and asymmetric kernel', async () => {
    await expectSame(
      (ops, [x]) => [ops.conv2d(x, p('dw.weight', [8, 1, 3, 5]), { stride: [1, 2], padding: [1, 2], dilation: [1, 1], groups: 4 })],
      [p('dw.weight', [8, 1, 3, 5])],
      [[2, 4, 7, 10]],
    );
  });

  const bn = { weight: p('bn.weight', [6]), bias: p('bn.bias', [6]), runningMean: p('bn.running_mean', [6]), runningVar: p('bn.running_var', [6]), eps: 1e-3 };
  const convBnParams = [p('c.weight', [6, 3, 3, 3]), p('c.bias', [6]), bn.weight, bn.bias, bn.runningMean, bn.runningVar];
  const conv = <T>(ops: Ops<T>, x: T) => ops.conv2d(x, p('c.weight', [6, 3, 3, 3]), { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, bias: p('c.bias', [6]) });

  it('folds BatchNorm into the conv before it, with the same result', async () => {
    const program: Program = (ops, [x]) => [ops.activation(ops.batchNorm(conv(ops, x), bn), 'relu')];
    await expectSame(program, convBnParams, [[1, 3, 8, 5]]);
    const ops = buildOnnx(program, formulaStateDict(convBnParams), [[1, 3, 8, 5]]).graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(['Conv', 'Relu']);
  });

  it('keeps BatchNorm where the conv output is also used elsewhere', async () => {
    const program: Program = <T>(ops: Ops<T>, [x]: T[]) => {
      const c = conv(ops, x);
      return [ops.add(ops.batchNorm(c, bn), c)];
    };
    await expectSame(program, convBnParams, [[1, 3, 8, 5]]);
    const ops = buildOnnx(program, formulaStateDict(convBnParams), [[1, 3, 8, 5]]).graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(['Conv', 'BatchNormalization', 'Add']);
  });

  it('keeps BatchNorm where the conv output is a graph output', async () => {
    const program: Program = (ops, [x]) => {
      const c = conv(ops, x);
      return [c, ops.batchNorm(c, bn)];
    };
    await expectSame(program, convBnParams, [[1, 3, 6, 6]]);
  });

  it('BatchNorm on its own (pre-activation, after a concat)', async () => {
    const bn8 = { weight: p('n.weight', [8]), bias: p('n.bias', [8]), runningMean: p('n.running_mean', [8]), runningVar: p('n.running_var', [8]), eps: 1e-5 };
    await expectSame((ops, [a, b]) => [ops.batchNorm(ops.concatChannels([a, b]), bn8)], [bn8.weight, bn8.bias, bn8.runningMean, bn8.runningVar], [
      [1, 5, 4, 4],
      [1, 3, 4, 4],
    ]);
  });

  it('linear on pooled features', async () => {
    await expectSame(
      (ops, [x]) => [ops.linear(ops.flatten(ops.globalAvgPool(x)), p('fc.weight', [10, 6]), p('fc.bias', [10]))],
      [p('fc.weight', [10, 6]), p('fc.bias', [10])],
      [[3, 6, 5, 4]],
    );
  });
});

describe('elementwise, attention helpers and layout ops', () => {
  const kinds: Activation[] = ['relu', 'relu6', 'sigmoid', 'hardSigmoid', 'hardSwish', 'silu', 'gelu', 'tanh', 'leakyRelu', 'identity'];
  it.each(kinds)('activation %s', async (kind) => {
    // scale(4) spreads the inputs over [-8, 8]: both clamps of relu6 / hard-sigmoid are hit.
    await expectSame((ops, [x]) => [ops.activation(ops.scale(x, 4), kind)], [], [[1, 3, 5, 7]]);
  });

  it('channel gate (mul by [N, C, 1, 1]) and residual add', async () => {
    await expectSame((ops, [x]) => [ops.add(ops.mul(x, ops.activation(ops.globalAvgPool(x), 'sigmoid')), x)], [], [[2, 4, 5, 3]]);
  });

  it('ECA channelConv1d', async () => {
    await expectSame((ops, [x]) => [ops.channelConv1d(ops.globalAvgPool(x), p('eca.conv.weight', [1, 1, 5]))], [p('eca.conv.weight', [1, 1, 5])], [[2, 12, 3, 3]]);
  });

  it('ResNeSt radixSoftmax (radix 2, cardinality 2)', async () => {
    await expectSame((ops, [x]) => [ops.radixSoftmax(ops.globalAvgPool(x), 2, 2)], [], [[2, 12, 2, 2]]);
  });

  it('splitChannels then concat in another order', async () => {
    await expectSame(
      (ops, [x]) => {
        const [a, b, c] = ops.splitChannels(x, [2, 3, 1]);
        return [ops.concatChannels([c, a, b]), b];
      },
      [],
      [[1, 6, 3, 4]],
    );
  });

  it('pad2d with a value, asymmetric', async () => {
    await expectSame((ops, [x]) => [ops.pad2d(x, [0, 1, 2, 3], -1.5)], [], [[1, 2, 3, 4]]);
  });
});

describe('wave-2 ops: norms, layer scale, Linear over a map, upsampling, same padding', () => {
  const norm = (name: string, c: number, eps: number): NormParams => ({ weight: p(`${name}.weight`, [c]), bias: p(`${name}.bias`, [c]), eps });
  const refs = (n: NormParams) => [n.weight, n.bias];

  it('layerNorm over the channels of a map and of a [N, C] value', async () => {
    const ln = norm('ln', 6, 1e-6);
    await expectSame((ops, [x]) => [ops.layerNorm(x, ln), ops.layerNorm(ops.flatten(ops.globalAvgPool(x)), ln)], refs(ln), [[2, 6, 5, 7]]);
  });

  it('groupNorm (3 groups of 2 channels)', async () => {
    const gn = norm('gn', 6, 1e-5);
    await expectSame((ops, [x]) => [ops.groupNorm(x, gn, 3)], refs(gn), [[2, 6, 4, 5]]);
  });

  it('GRN and layer scale', async () => {
    const g = norm('grn', 5, 1e-6);
    const gamma = p('gamma', [5]);
    await expectSame((ops, [x]) => [ops.grn(x, g), ops.channelScale(x, gamma), ops.channelScale(ops.flatten(ops.globalAvgPool(x)), gamma)], [...refs(g), gamma], [[2, 5, 6, 3]]);
  });

  it('affine with [1] (LearnableAffineBlock) and [C] parameters, on a map and a [N, C] value', async () => {
    const s = p('lab.scale', [1]);
    const b = p('lab.bias', [1]);
    const w = p('aff.weight', [5]);
    const c = p('aff.bias', [5]);
    await expectSame(
      (ops, [x]) => [ops.affine(ops.activation(x, 'relu'), s, b), ops.affine(x, w, c), ops.affine(ops.flatten(ops.globalAvgPool(x)), s, b)],
      [s, b, w, c],
      [[2, 5, 6, 3]],
    );
  });

  it('Linear over the channels of a map, with and without bias', async () => {
    const w = p('fc1.weight', [7, 4]);
    const b = p('fc1.bias', [7]);
    await expectSame((ops, [x]) => [ops.linear(x, w, b), ops.linear(x, w)], [w, b], [[2, 4, 5, 3]]);
  });

  it('leakyRelu with a slope, nearest upsampling by 2 and 4', async () => {
    await expectSame((ops, [x]) => [ops.leakyRelu(x, 0.1), ops.upsampleNearest(x, 2), ops.upsampleNearest(x, 4)], [], [[1, 3, 3, 5]]);
  });

  it.each([
    [[1, 3, 9, 8], 3, 2, 1],
    [[1, 3, 10, 7], 5, 2, 1],
    [[1, 3, 9, 9], 2, 1, 2],
    [[1, 3, 8, 11], 3, 1, 1],
  ])('Conv2dSame and MaxPool2dSame on %j (k %i, stride %i, dilation %i)', async (shape, k, stride, dilation) => {
    const w = p('same.weight', [4, 3, k, k]);
    await expectSame(
      (ops, [x]) => [
        conv2dSame(ops, x, w, { stride: [stride, stride], dilation: [dilation, dilation], groups: 1 }),
        maxPool2dSame(ops, x, [k, k], [stride, stride]),
      ],
      [w],
      [shape],
    );
  });
});
