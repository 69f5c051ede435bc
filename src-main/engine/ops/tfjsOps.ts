import * as tf from '@tensorflow/tfjs-core';
import type { Activation, BatchNormParams, Conv2dOptions, Dims4, Ops, ParamRef, Pool2dOptions } from './ops';
import { TfjsParams } from './tfjsParams';
import { pooledLength, poolPadding, windowCounts } from './poolGeometry';

type T = tf.Tensor;

/** Eager tfjs executor of the op layer. Values are NHWC tensors ([N, C] after flatten). */
export class TfjsOps implements Ops<T> {
  constructor(private readonly params: TfjsParams) {}

  scope<R extends T | T[]>(fn: () => R): R {
    return tf.tidy(fn);
  }

  dims(x: T): Dims4 {
    const s = x.shape as number[];
    if (x.rank === 2) return { n: s[0], c: s[1], h: 1, w: 1 };
    return { n: s[0], c: s[3], h: s[1], w: s[2] };
  }

  conv2d(x: T, weight: ParamRef, o: Conv2dOptions): T {
    const inC = this.dims(x).c;
    const outC = weight.shape[0];
    const [sh, sw] = o.stride;
    const [dh, dw] = o.dilation;
    // tfjs refuses stride > 1 together with dilation > 1; torch allows it. Run
    // the dilated conv at stride 1 and subsample: the same function.
    const subsample = (sh > 1 || sw > 1) && (dh > 1 || dw > 1);
    const strides: [number, number] = subsample ? [1, 1] : [sh, sw];
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [o.padding[0], o.padding[0]],
      [o.padding[1], o.padding[1]],
      [0, 0],
    ];
    const x4 = x as tf.Tensor4D;
    let y: tf.Tensor4D;
    if (o.groups === 1) {
      y = tf.conv2d(x4, this.params.convHWIO(weight), strides, pad, 'NHWC', [dh, dw]);
      if (o.bias) y = tf.add(y, this.params.plain(o.bias));
    } else if (o.groups === inC) {
      y = tf.depthwiseConv2d(x4, this.params.depthwise(weight, inC), strides, pad, 'NHWC', [dh, dw]);
      if (o.bias) y = tf.add(y, this.params.plain(o.bias));
    } else {
      const inPer = inC / o.groups;
      const outPer = outC / o.groups;
      const parts = tf.split(x4, o.groups, 3) as tf.Tensor4D[];
      const outs = parts.map((part, g) => {
        let yg = tf.conv2d(part, this.params.convHWIO(weight, g * outPer, (g + 1) * outPer), strides, pad, 'NHWC', [dh, dw]);
        if (o.bias) yg = tf.add(yg, this.params.slice1d(o.bias, g * outPer, (g + 1) * outPer));
        return yg;
      });
      void inPer;
      y = tf.concat(outs, 3) as tf.Tensor4D;
    }
    if (subsample) y = tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, sh, sw, 1]) as tf.Tensor4D;
    return y;
  }

  batchNorm(x: T, p: BatchNormParams): T {
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
    const y = tf.matMul(x as tf.Tensor2D, this.params.plain(weight) as tf.Tensor2D, false, true);
    return bias ? tf.add(y, this.params.plain(bias)) : y;
  }

  activation(x: T, kind: Activation): T {
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
    const oh = pooledLength(h, o.kernel[0], o.stride[0], o.padding[0], o.ceilMode);
    const ow = pooledLength(w, o.kernel[1], o.stride[1], o.padding[1], o.ceilMode);
    const ph = poolPadding(h, o.kernel[0], o.stride[0], o.padding[0], oh);
    const pw = poolPadding(w, o.kernel[1], o.stride[1], o.padding[1], ow);
    const padded = ph[0] + ph[1] + pw[0] + pw[1] > 0 ? tf.pad(x, [[0, 0], ph, pw, [0, 0]], -Infinity) : x;
    return tf.maxPool(padded as tf.Tensor4D, o.kernel as [number, number], o.stride as [number, number], 'valid');
  }

  avgPool2d(x: T, o: Pool2dOptions): T {
    const { h, w } = this.dims(x);
    const [kh, kw] = o.kernel;
    const oh = pooledLength(h, kh, o.stride[0], o.padding[0], o.ceilMode);
    const ow = pooledLength(w, kw, o.stride[1], o.padding[1], o.ceilMode);
    const ph = poolPadding(h, kh, o.stride[0], o.padding[0], oh);
    const pw = poolPadding(w, kw, o.stride[1], o.padding[1], ow);
    const padded = ph[0] + ph[1] + pw[0] + pw[1] > 0 ? tf.pad(x, [[0, 0], ph, pw, [0, 0]]) : x;
    const mean = tf.avgPool(padded as tf.Tensor4D, [kh, kw], o.stride as [number, number], 'valid');
    const include = o.countIncludePad ?? true;
    const ch = windowCounts(h, kh, o.stride[0], o.padding[0], oh, include);
    const cw = windowCounts(w, kw, o.stride[1], o.padding[1], ow, include);
    if (ch.every((c) => c === kh) && cw.every((c) => c === kw)) return mean;
    // Windows that hang over the edge divide by their own tap count, as torch does.
    const fix = new Float32Array(oh * ow);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) fix[i * ow + j] = (kh * kw) / (ch[i] * cw[j]);
    return tf.mul(mean, tf.tensor4d(fix, [1, oh, ow, 1]));
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
