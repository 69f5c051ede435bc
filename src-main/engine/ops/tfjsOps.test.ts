import * as tf from '@tensorflow/tfjs-core';
// Gradient kernels are opt-in with tfjs-core alone.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { formulaTensor, formulaUniform } from '../weights/formula';
import type { StateDict, TensorData } from '../weights/stateDict';
import type { BatchNormParams, Conv2dOptions, Ops, Pair, ParamRef } from './ops';
import { NO_FUSION, planFusion, traceForward } from './fusionPlan';
import { TfjsOps } from './tfjsOps';
import { TfjsParams, type ConvForm } from './tfjsParams';
import { chooseConvForm, type ConvShape } from './convForm';

beforeAll(async () => {
  await initBackend('wasm');
});

/** torch.nn.functional.conv2d by direct summation in float64, NCHW / OIHW: the reference. */
function referenceConv(x: TensorData, w: TensorData, bias: Float32Array | undefined, o: Conv2dOptions): TensorData {
  const [n, c, h, wd] = x.shape;
  const [oc, inPer, kh, kw] = w.shape;
  const outPer = oc / o.groups;
  const oh = Math.floor((h + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const ow = Math.floor((wd + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const out = new Float32Array(n * oc * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < oc; k++) {
      const g = Math.floor(k / outPer);
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = bias?.[k] ?? 0;
          for (let ci = 0; ci < inPer; ci++) {
            for (let y = 0; y < kh; y++) {
              for (let xx = 0; xx < kw; xx++) {
                const r = i * o.stride[0] - o.padding[0] + y * o.dilation[0];
                const q = j * o.stride[1] - o.padding[1] + xx * o.dilation[1];
                if (r < 0 || r >= h || q < 0 || q >= wd) continue;
                s += x.data[((b * c + g * inPer + ci) * h + r) * wd + q] * w.data[((k * inPer + ci) * kh + y) * kw + xx];
              }
            }
          }
          out[((b * oc + k) * oh + i) * ow + j] = s;
        }
      }
    }
  }
  return { shape: [n, oc, oh, ow], data: out };
}

const toNhwc = (t: TensorData) => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]);
/** Runs `fn` in a tidy scope and reads its NHWC outputs back as NCHW arrays. */
function runNchw(fn: () => tf.Tensor[]): TensorData[] {
  const outs = tf.tidy(() => fn().map((t) => tf.transpose(t, [0, 3, 1, 2])));
  const data = outs.map((y) => ({ shape: [...y.shape], data: y.dataSync() as Float32Array }));
  tf.dispose(outs);
  return data;
}

function maxRelError(a: TensorData, b: TensorData): number {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return worst / scale;
}

function input(shape: number[]): TensorData {
  const u = formulaUniform('test-input', shape.reduce((p, d) => p * d, 1));
  return { shape, data: Float32Array.from(u, (v) => 2 * v - 1) };
}

interface ConvCase {
  name: string;
  inC: number;
  outC: number;
  groups: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  forms: ConvForm[];
}

const cases: ConvCase[] = [
  { name: 'dense 3×3', inC: 6, outC: 10, groups: 1, kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], forms: ['dense'] },
  { name: 'depthwise ×2, stride 2', inC: 8, outC: 16, groups: 8, kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], forms: ['depthwise'] },
  { name: 'depthwise 3×5, uneven padding', inC: 8, outC: 8, groups: 8, kernel: [3, 5], stride: [1, 1], padding: [1, 2], dilation: [1, 1], forms: ['depthwise'] },
  { name: 'grouped 4, stride 2', inC: 8, outC: 12, groups: 4, kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], forms: ['split', 'expand', 'blockDiagonal'] },
  { name: 'grouped 4, dilation 2 and stride 2', inC: 8, outC: 8, groups: 4, kernel: [3, 3], stride: [2, 2], padding: [2, 2], dilation: [2, 2], forms: ['split', 'expand', 'blockDiagonal'] },
  { name: 'grouped 4, one output per group', inC: 8, outC: 4, groups: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], forms: ['split', 'expand', 'blockDiagonal'] },
];

describe('TfjsOps.conv2d', () => {
  for (const c of cases) {
    for (const form of c.forms) {
      for (const withBias of [false, true]) {
        it(`${c.name} as ${form}${withBias ? ', with bias' : ''} equals torch's conv2d`, () => {
          const w: TensorData = { shape: [c.outC, c.inC / c.groups, ...c.kernel], data: formulaTensor('w.weight', [c.outC, c.inC / c.groups, ...c.kernel]) };
          const bias = withBias ? formulaTensor('w.bias', [c.outC]) : undefined;
          const sd: StateDict = new Map([['w.weight', w]]);
          if (bias) sd.set('w.bias', { shape: [c.outC], data: bias });
          const o: Conv2dOptions = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: bias && { key: 'w.bias', shape: [c.outC] } };
          const x = input([1, c.inC, 11, 13]);
          const params = new TfjsParams(sd);
          const ops = new TfjsOps(params, () => form);
          const before = tf.memory().numTensors;
          const [got] = runNchw(() => [ops.conv2d(toNhwc(x), { key: 'w.weight', shape: w.shape }, o)]);
          params.dispose();
          expect(tf.memory().numTensors).toBe(before); // weights freed with their TfjsParams
          expect(maxRelError(got, referenceConv(x, w, bias, o))).toBeLessThan(1e-5);
        });
      }
    }
  }
});

describe('TfjsOps gradients (the explorer differentiates the forward)', () => {
  const w: TensorData = { shape: [64, 2, 3, 3], data: formulaTensor('g.weight', [64, 2, 3, 3]) };
  const sd: StateDict = new Map([['g.weight', w]]);
  // ResNeXt-like: many narrow groups, where inference would pick 'expand'.
  const o: Conv2dOptions = { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 32 };
  const shape = { inChannels: 64, outChannels: 64, groups: 32, kernel: [3, 3] as const, outPixels: 8 * 8 };

  function inputGradient(ops: TfjsOps): TensorData {
    return tf.tidy(() => {
      const x = toNhwc(input([1, 64, 15, 16]));
      const probe = tf.tensor4d(Float32Array.from({ length: 64 * 8 * 8 }, (_, i) => Math.sin(i)), [1, 8, 8, 64]);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ops.conv2d(xi, { key: 'g.weight', shape: w.shape }, o), probe)))(x);
      return { shape: [1, 64, 15, 16], data: dx.dataSync() as Float32Array };
    });
  }

  it('flow through the default forms, which are the differentiable ones, and agree across them', () => {
    expect(chooseConvForm(shape)).toBe('expand');
    expect(chooseConvForm(shape, { differentiable: true })).not.toBe('expand');
    const params = [new TfjsParams(sd), new TfjsParams(sd), new TfjsParams(sd)];
    const grads = [new TfjsOps(params[0]), new TfjsOps(params[1], () => 'split'), new TfjsOps(params[2], () => 'blockDiagonal')].map(inputGradient);
    params.forEach((p) => p.dispose());
    expect(Math.max(...grads[0].data.map(Math.abs))).toBeGreaterThan(0.1);
    expect(maxRelError(grads[1], grads[0])).toBeLessThan(1e-5);
    expect(maxRelError(grads[2], grads[0])).toBeLessThan(1e-5);
  });
});

describe('TfjsOps under a fusion plan', () => {
  const c = 8;
  const bnParams = (key: string, channels = c): BatchNormParams => ({
    weight: { key: `${key}.weight`, shape: [channels] },
    bias: { key: `${key}.bias`, shape: [channels] },
    runningMean: { key: `${key}.running_mean`, shape: [channels] },
    runningVar: { key: `${key}.running_var`, shape: [channels] },
    eps: 1e-5,
  });
  const refs: ParamRef[] = [
    { key: 'stem.weight', shape: [c, 3, 3, 3] },
    { key: 'grouped.weight', shape: [c, 2, 3, 3] },
    { key: 'grouped.bias', shape: [c] },
    { key: 'dw.weight', shape: [c, 1, 3, 3] },
    { key: 'pw.weight', shape: [c, c, 1, 1] },
    ...['bn1', 'bn2', 'bn3', 'bn4'].flatMap((k) => Object.values(bnParams(k)).filter((v): v is ParamRef => typeof v === 'object')),
  ];
  const sd: StateDict = new Map(refs.map((r) => [r.key, { shape: [...r.shape], data: formulaTensor(r.key, r.shape) }]));
  const conv = (groups = 1, stride = 1): Conv2dOptions => ({ stride: [stride, stride], padding: [1, 1], dilation: [1, 1], groups });

  /** A small network with every pattern: fused chains, a shared raw output, a returned BatchNorm output. */
  const forward = <T,>(ops: Ops<T>, x: T): T[] => {
    const stem = ops.activation(ops.batchNorm(ops.conv2d(x, refs[0], conv(1, 2)), bnParams('bn1')), 'relu');
    const grouped = ops.activation(ops.batchNorm(ops.conv2d(stem, refs[1], { ...conv(4), bias: refs[2] }), bnParams('bn2')), 'relu6');
    const dwRaw = ops.conv2d(grouped, refs[3], conv(c));
    const dw = ops.add(ops.batchNorm(dwRaw, bnParams('bn3')), dwRaw);
    const pw = ops.batchNorm(ops.conv2d(dw, refs[4], { ...conv(), padding: [0, 0] }), bnParams('bn4'));
    return [stem, pw, ops.activation(pw, 'relu')];
  };

  for (const form of ['split', 'expand'] as const) {
    it(`gives the unfused numbers with grouped convs as ${form}, and leaks nothing`, () => {
      const chooser = (s: ConvShape): ConvForm => (s.groups === 1 ? 'dense' : s.groups === s.inChannels ? 'depthwise' : form);
      const params = new TfjsParams(sd);
      const ops = new TfjsOps(params, chooser);
      const x = input([1, 3, 17, 15]);
      const trace = traceForward(forward, { n: 1, c: 3, h: 17, w: 15 });
      const plan = planFusion(trace);
      expect([...plan.keys()].sort()).toEqual(['grouped.weight', 'pw.weight', 'stem.weight']);
      ops.preload(trace, plan);
      const plain = runNchw(() => ops.withPlan(NO_FUSION, () => forward(ops, toNhwc(x))));
      const before = tf.memory().numTensors;
      const fused = runNchw(() => ops.withPlan(plan, () => forward(ops, toNhwc(x))));
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < fused.length; i++) expect(maxRelError(fused[i], plain[i])).toBeLessThan(1e-5);
      params.dispose();
    });
  }

  it('refuses a plan that does not come from the forward pass it runs', () => {
    const params = new TfjsParams(sd);
    const ops = new TfjsOps(params);
    const plan = planFusion(traceForward(forward, { n: 1, c: 3, h: 9, w: 9 }));
    // The stem conv alone, without the BatchNorm the plan folded into it.
    expect(() => tf.tidy(() => ops.withPlan(plan, () => ops.conv2d(toNhwc(input([1, 3, 9, 9])), refs[0], conv(1, 2))))).toThrow(/fusion plan does not match/);
    params.dispose();
  });
});
