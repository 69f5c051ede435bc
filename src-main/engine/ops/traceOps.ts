import type { Activation, BatchNormParams, Conv2dOptions, Dims4, NormParams, Ops, Pair, ParamRef, Pool2dOptions } from './ops';
import { ShapeOps } from './shapeOps';

/** A value of a traced forward pass: its id in the trace and its shape. */
export interface TraceValue {
  readonly id: number;
  readonly dims: Dims4;
}

type OpInfo =
  | { op: 'conv2d'; weight: ParamRef; options: Conv2dOptions; input: Dims4 }
  | { op: 'batchNorm'; params: BatchNormParams }
  | { op: 'activation'; kind: Activation }
  | { op: 'linear'; weight: ParamRef; bias?: ParamRef }
  | { op: 'channelConv1d'; weight: ParamRef }
  /** Any other op that reads parameters (norms, layer scale): what to preload. */
  | { op: 'withParams'; name: string; params: readonly ParamRef[] }
  | { op: 'other'; name: string };

/** One op of a traced forward pass, with what an executor needs to prepare its weights. */
export type TraceRecord = OpInfo & { inputs: readonly number[]; outputs: readonly number[] };

/**
 * An executor of the op layer that records the dataflow graph of one forward
 * pass (which op reads which value), with shapes from ShapeOps and no numbers.
 * Cheap enough to run before every new kind of call; the fusion planner reads it.
 */
export class TraceOps implements Ops<TraceValue> {
  readonly records: TraceRecord[] = [];
  private readonly shapes = new ShapeOps();
  private nextId = 0;

  input(dims: Dims4): TraceValue {
    return { id: this.nextId++, dims };
  }

  private value(dims: Dims4): TraceValue {
    return { id: this.nextId++, dims };
  }

  private record(info: OpInfo, inputs: TraceValue[], dims: Dims4): TraceValue {
    const out = this.value(dims);
    this.records.push({ ...info, inputs: inputs.map((v) => v.id), outputs: [out.id] });
    return out;
  }

  private other(name: string, inputs: TraceValue[], dims: Dims4): TraceValue {
    return this.record({ op: 'other', name }, inputs, dims);
  }

  scope<R extends TraceValue | TraceValue[]>(fn: () => R): R {
    return fn();
  }

  dims(x: TraceValue): Dims4 {
    return x.dims;
  }

  conv2d(x: TraceValue, weight: ParamRef, options: Conv2dOptions): TraceValue {
    return this.record({ op: 'conv2d', weight, options, input: x.dims }, [x], this.shapes.conv2d(x.dims, weight, options));
  }

  batchNorm(x: TraceValue, params: BatchNormParams): TraceValue {
    return this.record({ op: 'batchNorm', params }, [x], x.dims);
  }

  linear(x: TraceValue, weight: ParamRef, bias?: ParamRef): TraceValue {
    return this.record({ op: 'linear', weight, bias }, [x], this.shapes.linear(x.dims, weight));
  }

  activation(x: TraceValue, kind: Activation): TraceValue {
    // As every executor does: identity hands back the same value.
    if (kind === 'identity') return x;
    return this.record({ op: 'activation', kind }, [x], x.dims);
  }

  add(a: TraceValue, b: TraceValue): TraceValue {
    return this.other('add', [a, b], a.dims);
  }

  mul(a: TraceValue, b: TraceValue): TraceValue {
    return this.other('mul', [a, b], a.dims);
  }

  scale(x: TraceValue): TraceValue {
    return this.other('scale', [x], x.dims);
  }

  channelScale(x: TraceValue, gamma: ParamRef): TraceValue {
    return this.record({ op: 'withParams', name: 'channelScale', params: [gamma] }, [x], x.dims);
  }

  affine(x: TraceValue, weight: ParamRef, bias: ParamRef): TraceValue {
    return this.record({ op: 'withParams', name: 'affine', params: [weight, bias] }, [x], x.dims);
  }

  leakyRelu(x: TraceValue): TraceValue {
    return this.other('leakyRelu', [x], x.dims);
  }

  layerNorm(x: TraceValue, p: NormParams): TraceValue {
    return this.record({ op: 'withParams', name: 'layerNorm', params: [p.weight, p.bias] }, [x], x.dims);
  }

  groupNorm(x: TraceValue, p: NormParams, groups: number): TraceValue {
    return this.record({ op: 'withParams', name: 'groupNorm', params: [p.weight, p.bias] }, [x], this.shapes.groupNorm(x.dims, p, groups));
  }

  grn(x: TraceValue, p: NormParams): TraceValue {
    return this.record({ op: 'withParams', name: 'grn', params: [p.weight, p.bias] }, [x], x.dims);
  }

  upsampleNearest(x: TraceValue, factor: number): TraceValue {
    return this.other('upsampleNearest', [x], this.shapes.upsampleNearest(x.dims, factor));
  }

  maxPool2d(x: TraceValue, o: Pool2dOptions): TraceValue {
    return this.other('maxPool2d', [x], this.shapes.maxPool2d(x.dims, o));
  }

  avgPool2d(x: TraceValue, o: Pool2dOptions): TraceValue {
    return this.other('avgPool2d', [x], this.shapes.avgPool2d(x.dims, o));
  }

  adaptiveAvgPool2d(x: TraceValue, size: Pair): TraceValue {
    return this.other('adaptiveAvgPool2d', [x], this.shapes.adaptiveAvgPool2d(x.dims, size));
  }

  globalAvgPool(x: TraceValue): TraceValue {
    return this.other('globalAvgPool', [x], this.shapes.globalAvgPool(x.dims));
  }

  globalMaxPool(x: TraceValue): TraceValue {
    return this.other('globalMaxPool', [x], this.shapes.globalMaxPool(x.dims));
  }

  flatten(x: TraceValue): TraceValue {
    return this.other('flatten', [x], this.shapes.flatten(x.dims));
  }

  pad2d(x: TraceValue, pads: readonly [number, number, number, number]): TraceValue {
    return this.other('pad2d', [x], this.shapes.pad2d(x.dims, pads));
  }

  concatChannels(xs: TraceValue[]): TraceValue {
    return this.other('concatChannels', xs, this.shapes.concatChannels(xs.map((x) => x.dims)));
  }

  splitChannels(x: TraceValue, sizes: number[]): TraceValue[] {
    const outs = this.shapes.splitChannels(x.dims, sizes).map((d) => this.value(d));
    this.records.push({ op: 'other', name: 'splitChannels', inputs: [x.id], outputs: outs.map((v) => v.id) });
    return outs;
  }

  channelConv1d(x: TraceValue, weight: ParamRef): TraceValue {
    return this.record({ op: 'channelConv1d', weight }, [x], x.dims);
  }

  radixSoftmax(x: TraceValue): TraceValue {
    return this.other('radixSoftmax', [x], x.dims);
  }
}
