/**
 * The new ops against torch's definitions, written out as plain loops over
 * NCHW arrays (no tfjs): LayerNorm2d, GroupNorm, GlobalResponseNorm, affine, nearest
 * upsampling, leaky ReLU, and timm's pad_same. onnxGraphOps.test.ts then holds
 * the ONNX graph to the tfjs executor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import type { NormParams, Ops, ParamRef } from './ops';
import { TfjsOps } from './tfjsOps';
import { TfjsParams } from './tfjsParams';
import { ShapeOps } from './shapeOps';
import { samePadding } from './poolGeometry';
import { conv2dSame, samePads } from './samePadding';
import { RfOps, inputRf } from '../explore/rfOps';
import { loadGradients } from '../explore/registerGradients';
import { formulaStateDict, formulaUniform } from '../weights/formula';
import type { TensorData } from '../weights/stateDict';

beforeAll(async () => {
  await initBackend('cpu');
});

const p = (key: string, shape: number[]): ParamRef => ({ key, shape });
const norm = (name: string, c: number, eps: number): NormParams => ({ weight: p(`${name}.weight`, [c]), bias: p(`${name}.bias`, [c]), eps });

function input(shape: [number, number, number, number]): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from(formulaUniform('x', n), (v) => 6 * v - 3) };
}

/** Runs `f` on the tfjs executor with NCHW in and out. */
function tfjs(f: <T>(ops: Ops<T>, x: T) => T, x: TensorData, params: ParamRef[]): TensorData {
  const weights = formulaStateDict(params);
  const tp = new TfjsParams(weights);
  try {
    const y = tf.tidy(() => {
      const out = f(new TfjsOps(tp), tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1]));
      return out.rank === 4 ? tf.transpose(out, [0, 3, 1, 2]) : out;
    });
    const r = { shape: [...y.shape], data: y.dataSync() as Float32Array };
    y.dispose();
    return r;
  } finally {
    tp.dispose();
  }
}

const at = (t: TensorData, n: number, c: number, h: number, w: number) => t.data[((n * t.shape[1] + c) * t.shape[2] + h) * t.shape[3] + w];

function expectClose(got: TensorData, want: Float64Array, shape: number[], tol = 1e-5) {
  expect(got.shape).toEqual(shape);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

function paramValues(ref: ParamRef): Float32Array {
  return formulaStateDict([ref]).get(ref.key)!.data;
}

describe('norms against torch definitions', () => {
  const x = input([2, 6, 4, 5]);
  const [N, C, H, W] = x.shape;

  it('LayerNorm2d: per position over channels, biased variance, eps inside the root', () => {
    const ln = norm('ln', C, 1e-6);
    const g = paramValues(ln.weight);
    const b = paramValues(ln.bias);
    const want = new Float64Array(x.data.length);
    for (let n = 0; n < N; n++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          let m = 0;
          for (let c = 0; c < C; c++) m += at(x, n, c, h, w) / C;
          let v = 0;
          for (let c = 0; c < C; c++) v += (at(x, n, c, h, w) - m) ** 2 / C;
          for (let c = 0; c < C; c++) want[((n * C + c) * H + h) * W + w] = ((at(x, n, c, h, w) - m) / Math.sqrt(v + ln.eps)) * g[c] + b[c];
        }
    expectClose(tfjs((ops, t) => ops.layerNorm(t, ln), x, [ln.weight, ln.bias]), want, x.shape);
  });

  it('GroupNorm: statistics over each group of channels and every position', () => {
    const gn = norm('gn', C, 1e-5);
    const groups = 2;
    const g = paramValues(gn.weight);
    const b = paramValues(gn.bias);
    const per = C / groups;
    const want = new Float64Array(x.data.length);
    for (let n = 0; n < N; n++)
      for (let k = 0; k < groups; k++) {
        const vals: number[] = [];
        for (let c = k * per; c < (k + 1) * per; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) vals.push(at(x, n, c, h, w));
        const m = vals.reduce((a, v) => a + v, 0) / vals.length;
        const v = vals.reduce((a, u) => a + (u - m) ** 2, 0) / vals.length;
        for (let c = k * per; c < (k + 1) * per; c++)
          for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) want[((n * C + c) * H + h) * W + w] = ((at(x, n, c, h, w) - m) / Math.sqrt(v + gn.eps)) * g[c] + b[c];
      }
    expectClose(tfjs((ops, t) => ops.groupNorm(t, gn, groups), x, [gn.weight, gn.bias]), want, x.shape);
  });

  it('GlobalResponseNorm: x + γ·(x·n) + β with n = ‖x‖ / (mean over channels of ‖x‖ + eps)', () => {
    const grn = norm('grn', C, 1e-6);
    const g = paramValues(grn.weight);
    const b = paramValues(grn.bias);
    const want = new Float64Array(x.data.length);
    for (let n = 0; n < N; n++) {
      const l2 = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) s += at(x, n, c, h, w) ** 2;
        return Math.sqrt(s);
      });
      const mean = l2.reduce((a, v) => a + v, 0) / C;
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            const v = at(x, n, c, h, w);
            want[((n * C + c) * H + h) * W + w] = v + g[c] * (v * (l2[c] / (mean + grn.eps))) + b[c];
          }
    }
    expectClose(tfjs((ops, t) => ops.grn(t, grn), x, [grn.weight, grn.bias]), want, x.shape);
  });
});

describe('elementwise and resampling against torch definitions', () => {
  const x = input([1, 2, 3, 4]);

  it('nearest upsampling: output (i, j) reads input (⌊i/f⌋, ⌊j/f⌋), with a gradient', async () => {
    const f = 3;
    const want = new Float64Array(2 * 9 * 12);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 9; i++) for (let j = 0; j < 12; j++) want[(c * 9 + i) * 12 + j] = at(x, 0, c, Math.floor(i / f), Math.floor(j / f));
    expectClose(tfjs((ops, t) => ops.upsampleNearest(t, f), x, []), want, [1, 2, 9, 12]);
    expect(new ShapeOps().upsampleNearest({ n: 1, c: 2, h: 3, w: 4 }, f)).toEqual({ n: 1, c: 2, h: 9, w: 12 });
    expect(() => new ShapeOps().upsampleNearest({ n: 1, c: 2, h: 3, w: 4 }, 1.5)).toThrow(/whole factor/);
    // It has a gradient (the explorer differentiates through HRNet's fuse layers): each input cell gets its f² copies'.
    await loadGradients();
    const tp = new TfjsParams(formulaStateDict([]));
    const ops = new TfjsOps(tp);
    const weights = tf.reshape(tf.range(0, 2 * 9 * 12 * 2), [2, 9, 12, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ops.upsampleNearest(t, f), weights)))(tf.zeros([2, 3, 4, 2]));
    const gw = weights.arraySync() as number[][][][];
    const want2 = [0, 1].map((n) => [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => [0, 1].map((c) => {
      let s = 0;
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) s += gw[n][i * f + a][j * f + b][c];
      return s;
    }))));
    expect(g.arraySync()).toEqual(want2);
    tf.dispose([weights, g]);
    tp.dispose();
  });

  it('affine: scale · x + bias with [1] parameters (timm LearnableAffineBlock) and with [C] ones', () => {
    const s = p('lab.scale', [1]);
    const b = p('lab.bias', [1]);
    const [sv, bv] = [paramValues(s)[0], paramValues(b)[0]];
    expectClose(tfjs((ops, t) => ops.affine(t, s, b), x, [s, b]), Float64Array.from(x.data, (v) => sv * v + bv), x.shape);
    const w = p('aff.weight', [2]);
    const c = p('aff.bias', [2]);
    const [wv, cv] = [paramValues(w), paramValues(c)];
    const want = Float64Array.from(x.data, (v, i) => wv[Math.floor(i / 12)] * v + cv[Math.floor(i / 12)]);
    expectClose(tfjs((ops, t) => ops.affine(t, w, c), x, [w, c]), want, x.shape);
  });

  it('leaky ReLU: the given slope, and 0.01 as the activation kind', () => {
    const want = Float64Array.from(x.data, (v) => (v >= 0 ? v : 0.2 * v));
    expectClose(tfjs((ops, t) => ops.leakyRelu(t, 0.2), x, []), want, x.shape);
    const def = Float64Array.from(x.data, (v) => (v >= 0 ? v : 0.01 * v));
    expectClose(tfjs((ops, t) => ops.activation(t, 'leakyRelu'), x, []), def, x.shape);
  });
});

describe("timm's 'same' padding", () => {
  it.each([
    // size, kernel, stride, dilation → [before, after] as timm's get_same_padding splits it
    [224, 3, 2, 1, [0, 1]],
    [241, 3, 2, 1, [1, 1]],
    [199, 5, 2, 1, [2, 2]],
    [200, 5, 2, 1, [1, 2]],
    [14, 2, 1, 2, [1, 1]],
    [7, 2, 1, 4, [2, 2]],
    [9, 3, 1, 1, [1, 1]],
    [5, 1, 2, 1, [0, 0]],
  ])('size %i, k %i, stride %i, dilation %i → %j', (size, k, s, d, want) => {
    expect(samePadding(size, k, s, d)).toEqual(want);
    // the output is ceil(size / stride), TF's SAME
    const [a, b] = samePadding(size, k, s, d);
    expect(Math.floor((size + a + b - d * (k - 1) - 1) / s) + 1).toBe(Math.ceil(size / s));
  });

  it('Conv2dSame moves receptive-field centres by the asymmetric pad (extra pixel bottom/right)', () => {
    const w = p('c.weight', [4, 3, 3, 3]);
    const rf = new RfOps();
    const y = conv2dSame(rf, inputRf({ n: 1, c: 3, h: 224, w: 224 }), w, { stride: [2, 2], dilation: [1, 1], groups: 1 });
    expect(samePads(224, 224, [3, 3], [2, 2])).toEqual([0, 1, 0, 1]);
    // pad 0 before: output cell 0 is centred on input pixel 1 (torch's symmetric pad 1 would centre it on 0)
    expect(y.start).toEqual([1, 1]);
    expect(y.dims).toEqual({ n: 1, c: 4, h: 112, w: 112 });
  });
});
