import * as tf from '@tensorflow/tfjs-core';
import { LEAKY_RELU_SLOPE, type Activation, type BatchNormParams, type Conv2dOptions, type Dims4, type NormParams, type Ops, type Pair, type ParamRef, type Pool2dOptions } from './ops';
import { TfjsParams, type ConvForm, type ConvWeights } from './tfjsParams';
import { adaptiveAvgMatrix, convLength, planPool } from './poolGeometry';
import { NO_FUSION, type ConvFusion, type FusedActivation, type FusionPlan, type Trace } from './fusionPlan';
import { chooseConvForm, type ConvShape } from './convForm';

type T = tf.Tensor;
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** What a fused conv's output still owes: the BatchNorm / activation calls it already did. */
interface Absorbed {
  bn?: string;
  act?: FusedActivation;
}

/**
 * Eager tfjs executor of the op layer. Values are NHWC tensors ([N, C] after flatten).
 *
 * Under a FusionPlan (see fusionPlan.ts) a conv may run with its BatchNorm folded
 * into its weights and its ReLU fused into the kernel; it then hands back a
 * tensor that the following batchNorm / activation calls pass through unchanged.
 */
export class TfjsOps implements Ops<T> {
  private plan: FusionPlan = NO_FUSION;
  private readonly absorbed = new WeakMap<T, Absorbed>();
  /** BatchNorm / activation calls a fused conv did that have not been reached yet. */
  private owed = 0;

  /** Each conv's form, fixed at the first input size it sees so later sizes reuse its weights. */
  private readonly forms = new Map<string, ConvForm>();

  /**
   * `chooseForm` picks how each conv runs. The default keeps every op
   * differentiable (the explorer takes gradients through these ops); inference
   * (TfjsPreparedModel) passes the fastest choice.
   */
  constructor(
    private readonly params: TfjsParams,
    private readonly chooseForm: (shape: ConvShape) => ConvForm = (s) => chooseConvForm(s, { differentiable: true }),
  ) {}

  /** Runs `fn` with convs fused as `plan` says; the plan must come from a trace of this very call. */
  withPlan<R>(plan: FusionPlan, fn: () => R): R {
    this.plan = plan;
    this.owed = 0;
    try {
      const result = fn();
      if (this.owed !== 0) throw new Error(`fusion plan does not match the forward pass: ${this.owed} fused ops never reached`);
      return result;
    } finally {
      this.plan = NO_FUSION;
    }
  }

  /** Builds every weight tensor a traced forward pass will ask for, so the first run does no conversions. */
  preload(trace: Trace, plan: FusionPlan): void {
    const foldedBns = new Set([...plan.values()].flatMap((f) => (f.bn ? [f.bn.weight.key] : [])));
    for (const r of trace.records) {
      if (r.op === 'conv2d') {
        this.convWeights(r.weight, r.options, r.input, plan.get(r.weight.key));
      } else if (r.op === 'batchNorm') {
        const p = r.params;
        if (!foldedBns.has(p.weight.key)) for (const ref of [p.weight, p.bias, p.runningMean, p.runningVar]) this.params.plain(ref);
      } else if (r.op === 'linear') {
        this.params.plain(r.weight);
        if (r.bias) this.params.plain(r.bias);
      } else if (r.op === 'channelConv1d') {
        this.params.plain(r.weight);
      } else if (r.op === 'withParams') {
        for (const ref of r.params) this.params.plain(ref);
      }
    }
  }

  scope<R extends T | T[]>(fn: () => R): R {
    return tf.tidy(fn);
  }

  dims(x: T): Dims4 {
    const s = x.shape as number[];
    if (x.rank === 2) return { n: s[0], c: s[1], h: 1, w: 1 };
    return { n: s[0], c: s[3], h: s[1], w: s[2] };
  }

  private convWeights(weight: ParamRef, o: Conv2dOptions, x: Dims4, fusion?: ConvFusion): { form: ConvForm; w: ConvWeights } {
    let form = this.forms.get(weight.key);
    if (!form) {
      const [, , kh, kw] = weight.shape;
      const outH = convLength(x.h, kh, o.stride[0], o.padding[0], o.dilation[0]);
      const outW = convLength(x.w, kw, o.stride[1], o.padding[1], o.dilation[1]);
      form = this.chooseForm({ inChannels: x.c, outChannels: weight.shape[0], groups: o.groups, kernel: [kh, kw], outPixels: outH * outW });
      this.forms.set(weight.key, form);
    }
    return { form, w: this.params.conv(weight, form, o.groups, o.bias, fusion?.bn) };
  }

  conv2d(x: T, weight: ParamRef, o: Conv2dOptions): T {
    const fusion = this.plan.get(weight.key);
    const { form, w } = this.convWeights(weight, o, this.dims(x), fusion);
    const act = fusion?.act ?? 'linear';
    const [sh, sw] = o.stride;
    const [dh, dw] = o.dilation;
    // tfjs refuses stride > 1 together with dilation > 1; torch allows it. Run
    // the dilated conv at stride 1 and subsample: the same function.
    const subsample = (sh > 1 || sw > 1) && (dh > 1 || dw > 1);
    const strides: [number, number] = subsample ? [1, 1] : [sh, sw];
    const dilations: [number, number] = [dh, dw];
    const [ph, pw] = o.padding;
    const pad: Pad4 = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    const x4 = x as tf.Tensor4D;
    const bias = w.biases?.[0];
    // tfjs's fused kernels compute the filter's gradient too, which wasm cannot
    // (no Conv2DBackpropFilter): use them only for convs a plan fuses (inference).
    const conv = (xi: tf.Tensor4D, filter: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D =>
      fusion
        ? tf.fused.conv2d({ x: xi, filter, strides, pad, dilations, bias: b, activation: act })
        : this.biasAct(tf.conv2d(xi, filter, strides, pad, 'NHWC', dilations), b, act);
    let y: tf.Tensor4D;
    switch (form) {
      case 'dense':
      case 'blockDiagonal':
        y = conv(x4, w.filters[0], bias);
        break;
      case 'depthwise':
        y = fusion && ph === pw
          ? tf.fused.depthwiseConv2d({ x: x4, filter: w.filters[0], strides, pad: ph, dilations, bias, activation: act })
          : this.biasAct(tf.depthwiseConv2d(x4, w.filters[0], strides, pad, 'NHWC', dilations), bias, act);
        break;
      case 'split': {
        const parts = tf.split(x4, o.groups, 3) as tf.Tensor4D[];
        y = tf.concat(parts.map((part, g) => conv(part, w.filters[g], w.biases?.[g])), 3) as tf.Tensor4D;
        break;
      }
      case 'expand': {
        // Depthwise with multiplier O/g gives every (input channel, output channel)
        // product of a group; summing over the group's input channels is the grouped conv.
        const d = tf.depthwiseConv2d(x4, w.filters[0], strides, pad, 'NHWC', dilations);
        const [n, oh, ow] = d.shape;
        const inPer = weight.shape[1];
        const outPer = weight.shape[0] / o.groups;
        const summed = tf.sum(tf.reshape(d, [n * oh * ow * o.groups, inPer, outPer]), 1);
        y = this.biasAct(tf.reshape(summed, [n, oh, ow, weight.shape[0]]), bias, act);
        break;
      }
    }
    if (subsample) y = tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, sh, sw, 1]) as tf.Tensor4D;
    if (fusion) {
      this.absorbed.set(y, { bn: fusion.bn?.weight.key, act: fusion.act });
      this.owed += (fusion.bn ? 1 : 0) + (fusion.act ? 1 : 0);
    }
    return y;
  }

  private biasAct(y: tf.Tensor4D, bias: tf.Tensor1D | undefined, act: FusedActivation | 'linear'): tf.Tensor4D {
    const biased: tf.Tensor4D = bias ? tf.add(y, bias) : y;
    return act === 'linear' ? biased : act === 'relu' ? tf.relu(biased) : tf.relu6(biased);
  }

  batchNorm(x: T, p: BatchNormParams): T {
    const absorbed = this.absorbed.get(x);
    if (absorbed?.bn === p.weight.key) {
      absorbed.bn = undefined; // folded into the conv that made x
      this.owed--;
      return x;
    }
    return tf.batchNorm(
      x as tf.Tensor4D,
      this.params.plain(p.runningMean) as tf.Tensor1D,
      this.params.plain(p.runningVar) as tf.Tensor1D,
      this.params.plain(p.bias) as tf.Tensor1D,
      this.params.plain(p.weight) as tf.Tensor1D,
      p.eps,
    );
  }

  linear(x: T, weight: ParamRef, bias?: ParamRef): T {
    // NHWC keeps channels last, so a map is [N·H·W, C] rows for the same product.
    const rows = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
    const y = tf.matMul(rows, this.params.plain(weight) as tf.Tensor2D, false, true);
    const biased = bias ? tf.add(y, this.params.plain(bias)) : y;
    return x.rank === 2 ? biased : tf.reshape(biased, [...x.shape.slice(0, -1), weight.shape[0]]);
  }

  activation(x: T, kind: Activation): T {
    const absorbed = this.absorbed.get(x);
    if (absorbed && absorbed.bn === undefined && absorbed.act === kind) {
      absorbed.act = undefined; // applied by the conv kernel
      this.owed--;
      return x;
    }
    switch (kind) {
      case 'relu':
        return tf.relu(x);
      case 'relu6':
        return tf.relu6(x);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'hardSigmoid':
        return tf.div(tf.relu6(tf.add(x, 3)), 6);
      case 'hardSwish':
        return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
      case 'silu':
        return tf.mul(x, tf.sigmoid(x));
      case 'gelu':
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
      case 'tanh':
        return tf.tanh(x);
      case 'leakyRelu':
        return tf.leakyRelu(x, LEAKY_RELU_SLOPE);
      case 'identity':
        return x;
    }
  }

  add(a: T, b: T): T {
    return tf.add(a, b);
  }

  mul(a: T, b: T): T {
    return tf.mul(a, b);
  }

  scale(x: T, factor: number): T {
    return tf.mul(x, factor);
  }

  maxPool2d(x: T, o: Pool2dOptions): T {
    const { h, w } = this.dims(x);
    const { ph, pw } = planPool(h, w, o);
    const padded = ph[0] + ph[1] + pw[0] + pw[1] > 0 ? tf.pad(x, [[0, 0], ph, pw, [0, 0]], -Infinity) : x;
    return tf.maxPool(padded as tf.Tensor4D, o.kernel as [number, number], o.stride as [number, number], 'valid');
  }

  avgPool2d(x: T, o: Pool2dOptions): T {
    const { h, w } = this.dims(x);
    const p = planPool(h, w, o);
    const padded = p.ph[0] + p.ph[1] + p.pw[0] + p.pw[1] > 0 ? tf.pad(x, [[0, 0], p.ph, p.pw, [0, 0]]) : x;
    const mean = tf.avgPool(padded as tf.Tensor4D, o.kernel as [number, number], o.stride as [number, number], 'valid');
    // Windows that hang over the edge divide by their own tap count, as torch does.
    return p.windowsFull ? mean : tf.mul(mean, tf.tensor4d(p.rescale, [1, p.oh, p.ow, 1]));
  }

  channelScale(x: T, gamma: ParamRef): T {
    return tf.mul(x, this.params.plain(gamma));
  }

  affine(x: T, weight: ParamRef, bias: ParamRef): T {
    // Channels last: a [C] or [1] parameter broadcasts as it is.
    return tf.add(tf.mul(x, this.params.plain(weight)), this.params.plain(bias));
  }

  leakyRelu(x: T, slope: number): T {
    return tf.leakyRelu(x, slope);
  }

  layerNorm(x: T, p: NormParams): T {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, p.eps)));
    return tf.add(tf.mul(normed, this.params.plain(p.weight)), this.params.plain(p.bias));
  }

  groupNorm(x: T, p: NormParams, groups: number): T {
    const [n, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, p.eps))), x.shape);
    return tf.add(tf.mul(normed, this.params.plain(p.weight)), this.params.plain(p.bias));
  }

  grn(x: T, p: NormParams): T {
    const g = tf.sqrt(tf.sum(tf.square(x), [1, 2], true));
    const n = tf.div(g, tf.add(tf.mean(g, 3, true), p.eps));
    return tf.add(x, tf.add(tf.mul(this.params.plain(p.weight), tf.mul(x, n)), this.params.plain(p.bias)));
  }

  upsampleNearest(x: T, factor: number): T {
    if (factor === 1) return x;
    // Output cell i reads input cell floor(i / factor): repeat each column, then each row. Two rank-4
    // tiles, since tfjs has tile's gradient only up to rank 4 (the explorer differentiates through HRNet's fuse layers).
    const [n, h, w, c] = x.shape;
    const cols = tf.reshape(tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, factor, 1]), [n, h, 1, w * factor * c]);
    return tf.reshape(tf.tile(cols, [1, 1, factor, 1]), [n, h * factor, w * factor, c]);
  }

  adaptiveAvgPool2d(x: T, size: Pair): T {
    const [n, h, w, c] = x.shape;
    const [oh, ow] = size;
    // Each axis is a fixed averaging matrix (any sizes, up or down, with a gradient): two batched matMuls.
    const along = (v: T, batch: number, len: number, out: number): T => {
      if (len === out) return v;
      const m = tf.broadcastTo(tf.tensor3d(adaptiveAvgMatrix(len, out), [1, out, len]), [batch, out, len]);
      return tf.matMul(m, tf.reshape(v, [batch, len, -1]) as tf.Tensor3D);
    };
    const rows = tf.reshape(along(x, n, h, oh), [n * oh, w, c]);
    return tf.reshape(along(rows, n * oh, w, ow), [n, oh, ow, c]);
  }

  globalAvgPool(x: T): T {
    return tf.mean(x, [1, 2], true);
  }

  globalMaxPool(x: T): T {
    return tf.max(x, [1, 2], true);
  }

  flatten(x: T): T {
    const { n, c } = this.dims(x);
    return tf.reshape(x, [n, c]);
  }

  pad2d(x: T, pads: readonly [number, number, number, number], value = 0): T {
    return tf.pad(x, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], value);
  }

  concatChannels(xs: T[]): T {
    return tf.concat(xs, xs[0].rank - 1);
  }

  splitChannels(x: T, sizes: number[]): T[] {
    return tf.split(x, sizes, x.rank - 1);
  }

  channelConv1d(x: T, weight: ParamRef): T {
    const { n, c } = this.dims(x);
    const k = weight.shape[weight.shape.length - 1];
    const filter = tf.reshape(this.params.plain(weight), [k, 1, 1]) as tf.Tensor3D;
    // Pad explicitly: some backends (wasm) also pad the dimension conv1d adds internally.
    const padded = tf.pad(tf.reshape(x, [n, c, 1]), [[0, 0], [(k - 1) / 2, (k - 1) / 2], [0, 0]]) as tf.Tensor3D;
    const y = tf.conv1d(padded, filter, 1, 'valid');
    return tf.reshape(y, [n, 1, 1, c]);
  }

  radixSoftmax(x: T, radix: number, cardinality: number): T {
    const { n, c } = this.dims(x);
    const r = c / (cardinality * radix);
    const grouped = tf.transpose(tf.reshape(x, [n, cardinality, radix, r]), [0, 1, 3, 2]);
    const soft = tf.softmax(grouped);
    return tf.reshape(tf.transpose(soft, [0, 3, 1, 2]), [n, 1, 1, c]);
  }
}
