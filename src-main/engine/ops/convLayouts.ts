/**
 * Conv weight rearrangements, from PyTorch's OIHW to what a kernel wants, and
 * BatchNorm folding. Pure functions on Float32Arrays, so the maths is testable
 * without a backend.
 */
import type { TensorData } from '../weights/stateDict';

/** A BatchNorm's eval-mode parameters as arrays (PyTorch names). */
export interface BatchNormData {
  weight: Float32Array;
  bias: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  eps: number;
}

/**
 * Folds `bn(conv(x) + b)` into one conv: per output channel o,
 * s = γ/√(σ² + ε), W'[o] = s·W[o], b' = s·(b − μ) + β. Works for any groups,
 * since BatchNorm acts on output channels only. Computed in float64.
 */
export function foldBatchNorm(weight: TensorData, bias: Float32Array | undefined, bn: BatchNormData): { weight: TensorData; bias: Float32Array } {
  const outC = weight.shape[0];
  const perOut = weight.data.length / outC;
  const w = new Float32Array(weight.data.length);
  const b = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    const s = bn.weight[o] / Math.sqrt(bn.runningVar[o] + bn.eps);
    for (let k = o * perOut; k < (o + 1) * perOut; k++) w[k] = weight.data[k] * s;
    b[o] = s * ((bias?.[o] ?? 0) - bn.runningMean[o]) + bn.bias[o];
  }
  return { weight: { shape: [...weight.shape], data: w }, bias: b };
}

/** OIHW [O, I, kh, kw] → HWIO [kh, kw, I, to − from] for output channels [from, to). */
export function toHwio(weight: TensorData, from = 0, to = weight.shape[0]): TensorData {
  const [, i, kh, kw] = weight.shape;
  const src = weight.data;
  const outC = to - from;
  const dst = new Float32Array(kh * kw * i * outC);
  for (let oc = 0; oc < outC; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          dst[((y * kw + x) * i + ic) * outC + oc] = src[(((oc + from) * i + ic) * kh + y) * kw + x];
        }
      }
    }
  }
  return { shape: [kh, kw, i, outC], data: dst };
}

/**
 * A depthwise weight [C·m, 1, kh, kw] → tfjs's [kh, kw, C, m]: the group-expand
 * layout with one group per input channel.
 */
export function toDepthwise(weight: TensorData, inChannels: number): TensorData {
  return toGroupExpand(weight, inChannels);
}

/**
 * A grouped weight [O, I/g, kh, kw] as a depthwise filter [kh, kw, I, O/g]:
 * input channel c = g·(I/g) + i gets, as its m-th multiplier, W[g·(O/g) + m, i].
 * Summing the depthwise output over i within each group gives the grouped conv.
 */
export function toGroupExpand(weight: TensorData, groups: number): TensorData {
  const [o, inPer, kh, kw] = weight.shape;
  const inC = inPer * groups;
  const outPer = o / groups;
  const src = weight.data;
  const dst = new Float32Array(kh * kw * inC * outPer);
  for (let c = 0; c < inC; c++) {
    const g = Math.floor(c / inPer);
    const i = c % inPer;
    for (let m = 0; m < outPer; m++) {
      const oc = g * outPer + m;
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) dst[((y * kw + x) * inC + c) * outPer + m] = src[((oc * inPer + i) * kh + y) * kw + x];
      }
    }
  }
  return { shape: [kh, kw, inC, outPer], data: dst };
}

/** A grouped weight [O, I/g, kh, kw] as one dense HWIO [kh, kw, I, O] that is zero off the group blocks. */
export function toBlockDiagonal(weight: TensorData, groups: number): TensorData {
  const [o, inPer, kh, kw] = weight.shape;
  const inC = inPer * groups;
  const outPer = o / groups;
  const src = weight.data;
  const dst = new Float32Array(kh * kw * inC * o);
  for (let oc = 0; oc < o; oc++) {
    const base = Math.floor(oc / outPer) * inPer;
    for (let i = 0; i < inPer; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) dst[((y * kw + x) * inC + base + i) * o + oc] = src[((oc * inPer + i) * kh + y) * kw + x];
      }
    }
  }
  return { shape: [kh, kw, inC, o], data: dst };
}
