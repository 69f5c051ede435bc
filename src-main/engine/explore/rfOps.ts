/**
 * An executor of the op layer that tracks each value's theoretical receptive
 * field instead of numbers: run a model on it and every feature level tells
 * its receptive-field size, its stride on the input (the "jump") and where the
 * centre of its first cell falls — read from the model's own structure, so it
 * holds for every family, output stride and input size.
 *
 * Per spatial axis (Araujo et al., "Computing receptive fields of CNNs", 2019):
 *   k' = d·(k − 1) + 1
 *   size' = size + (k' − 1)·jump
 *   start' = start + ((k' − 1)/2 − pad)·jump     (centre of output cell 0, input pixel units)
 *   jump' = jump·stride
 * Branches that merge (add, concat) take the union of their fields. Channel
 * gates computed from a global pool (SE, ECA, split attention) are global
 * context, not spatial footprint: the gated value keeps its own field.
 */
import type { BatchNormParams, Conv2dOptions, Dims4, NormParams, Ops, Pair, ParamRef, Pool2dOptions } from '../ops/ops';
import { ShapeOps } from '../ops/shapeOps';
import { adaptiveBins } from '../ops/poolGeometry';

type Axis2 = [number, number];

export interface RfValue {
  dims: Dims4;
  size: Axis2;
  jump: Axis2;
  start: Axis2;
  /** True after a global pool: the value sees the whole input. */
  global: boolean;
}

export interface ConvRecord {
  stride: Axis2;
  dilation: Axis2;
  kernel: Axis2;
}

export function inputRf(dims: Dims4): RfValue {
  return { dims, size: [1, 1], jump: [1, 1], start: [0, 0], global: false };
}

function union(values: readonly RfValue[], dims: Dims4): RfValue {
  const live = values.filter((v) => !v.global);
  if (!live.length) return { ...values[0], dims, global: true };
  const out: RfValue = { dims, size: [0, 0], jump: [...live[0].jump], start: [0, 0], global: false };
  for (const a of [0, 1] as const) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of live) {
      lo = Math.min(lo, v.start[a] - (v.size[a] - 1) / 2);
      hi = Math.max(hi, v.start[a] + (v.size[a] - 1) / 2);
    }
    out.size[a] = hi - lo + 1;
    out.start[a] = (lo + hi) / 2;
  }
  return out;
}

export class RfOps implements Ops<RfValue> {
  private readonly shapes = new ShapeOps();
  /** Every conv in execution order, so callers can tell which stage dilates. */
  readonly convs: ConvRecord[] = [];

  scope<R extends RfValue | RfValue[]>(fn: () => R): R {
    return fn();
  }

  dims(x: RfValue): Dims4 {
    return x.dims;
  }

  private window(x: RfValue, dims: Dims4, kernel: Axis2, stride: Axis2, padding: Axis2, dilation: Axis2): RfValue {
    if (x.global) return { ...x, dims };
    const out: RfValue = { dims, size: [0, 0], jump: [0, 0], start: [0, 0], global: false };
    for (const a of [0, 1] as const) {
      const k = dilation[a] * (kernel[a] - 1) + 1;
      out.size[a] = x.size[a] + (k - 1) * x.jump[a];
      out.start[a] = x.start[a] + ((k - 1) / 2 - padding[a]) * x.jump[a];
      out.jump[a] = x.jump[a] * stride[a];
    }
    return out;
  }

  conv2d(x: RfValue, weight: ParamRef, o: Conv2dOptions): RfValue {
    const kernel: Axis2 = [weight.shape[2], weight.shape[3]];
    this.convs.push({ stride: [...o.stride], dilation: [...o.dilation], kernel });
    return this.window(x, this.shapes.conv2d(x.dims, weight, o), kernel, [...o.stride], [...o.padding], [...o.dilation]);
  }

  batchNorm(x: RfValue, _p: BatchNormParams): RfValue {
    return x;
  }

  /** Per position (a 1×1 over channels); after a flatten the value is already global. */
  linear(x: RfValue, weight: ParamRef): RfValue {
    return { ...x, dims: this.shapes.linear(x.dims, weight) };
  }

  channelScale(x: RfValue): RfValue {
    return x;
  }

  /** Elementwise: no spatial footprint. */
  affine(x: RfValue): RfValue {
    return x;
  }

  leakyRelu(x: RfValue): RfValue {
    return x;
  }

  /** Per position, over channels: no spatial footprint. */
  layerNorm(x: RfValue): RfValue {
    return x;
  }

  /** Its statistics are global context (like an SE gate's pool); each output still sits on its own cell. */
  groupNorm(x: RfValue, p: NormParams, groups: number): RfValue {
    return { ...x, dims: this.shapes.groupNorm(x.dims, p, groups) };
  }

  /** As groupNorm: a per-channel gain from global statistics. */
  grn(x: RfValue): RfValue {
    return x;
  }

  /** Output cell i is input cell floor(i / f): the same field, cells f× denser. */
  upsampleNearest(x: RfValue, factor: number): RfValue {
    const dims = this.shapes.upsampleNearest(x.dims, factor);
    if (x.global) return { ...x, dims };
    return { ...x, dims, jump: [x.jump[0] / factor, x.jump[1] / factor] };
  }

  activation(x: RfValue): RfValue {
    return x;
  }

  add(a: RfValue, b: RfValue): RfValue {
    return union([a, b], a.dims);
  }

  mul(a: RfValue, b: RfValue): RfValue {
    // A [N, C, 1, 1] gate scales channels; it adds no spatial footprint.
    if (b.dims.h === 1 && b.dims.w === 1 && (a.dims.h > 1 || a.dims.w > 1)) return a;
    return union([a, b], a.dims);
  }

  scale(x: RfValue): RfValue {
    return x;
  }

  maxPool2d(x: RfValue, o: Pool2dOptions): RfValue {
    return this.window(x, this.shapes.maxPool2d(x.dims, o), [...o.kernel], [...o.stride], [...o.padding], [1, 1]);
  }

  avgPool2d(x: RfValue, o: Pool2dOptions): RfValue {
    return this.window(x, this.shapes.avgPool2d(x.dims, o), [...o.kernel], [...o.stride], [...o.padding], [1, 1]);
  }

  /**
   * Output cell i covers input cells adaptiveBins(n, o)[i]. Exact where the bins are
   * uniform (o divides n); otherwise the widest bin (an upper bound on the field),
   * spaced n/o input cells apart on average, first cell centred on bin 0.
   */
  adaptiveAvgPool2d(x: RfValue, size: Pair): RfValue {
    const dims = this.shapes.adaptiveAvgPool2d(x.dims, size);
    if (x.global) return { ...x, dims };
    if (size[0] === 1 && size[1] === 1) return { ...x, dims, global: true };
    const out: RfValue = { dims, size: [0, 0], jump: [0, 0], start: [0, 0], global: false };
    const inSize: Axis2 = [x.dims.h, x.dims.w];
    for (const a of [0, 1] as const) {
      const bins = adaptiveBins(inSize[a], size[a]);
      const widest = Math.max(...bins.map(([s, e]) => e - s));
      out.size[a] = x.size[a] + (widest - 1) * x.jump[a];
      out.start[a] = x.start[a] + ((bins[0][1] - 1) / 2) * x.jump[a];
      out.jump[a] = (x.jump[a] * inSize[a]) / size[a];
    }
    return out;
  }

  globalAvgPool(x: RfValue): RfValue {
    return { ...x, dims: this.shapes.globalAvgPool(x.dims), global: true };
  }

  globalMaxPool(x: RfValue): RfValue {
    return { ...x, dims: this.shapes.globalMaxPool(x.dims), global: true };
  }

  flatten(x: RfValue): RfValue {
    return { ...x, dims: this.shapes.flatten(x.dims), global: true };
  }

  pad2d(x: RfValue, pads: readonly [number, number, number, number]): RfValue {
    const dims = this.shapes.pad2d(x.dims, pads);
    if (x.global) return { ...x, dims };
    return { ...x, dims, start: [x.start[0] - pads[0] * x.jump[0], x.start[1] - pads[2] * x.jump[1]] };
  }

  concatChannels(xs: RfValue[]): RfValue {
    return union(xs, this.shapes.concatChannels(xs.map((x) => x.dims)));
  }

  splitChannels(x: RfValue, sizes: number[]): RfValue[] {
    return this.shapes.splitChannels(x.dims, sizes).map((dims) => ({ ...x, dims }));
  }

  channelConv1d(x: RfValue): RfValue {
    return x;
  }

  radixSoftmax(x: RfValue): RfValue {
    return x;
  }
}
