import { LEAKY_RELU_SLOPE, type Activation, type BatchNormParams, type Conv2dOptions, type Dims4, type NormParams, type Ops, type Pair, type ParamRef, type Pool2dOptions } from './ops';
import type { OnnxAttribute } from './onnxProto';
import { OnnxGraph, type Sym } from './onnxGraph';
import { NO_FUSION, type FusionPlan } from './fusionPlan';
import { foldBatchNorm } from './convLayouts';
import { adaptiveAvgMatrix, convLength, planPool } from './poolGeometry';

const ints = (name: string, value: readonly number[]): OnnxAttribute => ({ name, type: 'ints', value });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: 'int', value });
const float = (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value });

/** numpy broadcasting of two static shapes. */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

/**
 * The op layer as an ONNX graph builder: every call appends nodes to an
 * OnnxGraph and returns a symbolic value with its static NCHW shape.
 * Pooling never uses ONNX's ceil_mode: torch's output size (poolGeometry, the
 * same rule every executor uses) becomes explicit end padding, and average
 * divisors are made to match torch's count_include_pad exactly. ONNX's own
 * ceil_mode edge rules have changed between opsets; ORT 1.30 happens to agree
 * with torch, but the graph does not depend on that.
 */
export class OnnxGraphOps implements Ops<Sym> {
  /** Conv outputs whose BatchNorm is already folded in: value name → that BN's weight key. */
  private readonly folded = new Map<string, string>();

  /**
   * `plan` (from a trace of the same forward pass, fusionPlan.ts) says which
   * convs absorb their BatchNorm: they are emitted with folded weights, and
   * the batchNorm call on their output passes it through. ORT fuses the ReLU itself.
   */
  constructor(
    readonly graph: OnnxGraph,
    private readonly plan: FusionPlan = NO_FUSION,
  ) {}

  scope<R extends Sym | Sym[]>(fn: () => R): R {
    return fn();
  }

  dims(x: Sym): Dims4 {
    const s = x.shape;
    if (s.length === 2) return { n: s[0], c: s[1], h: 1, w: 1 };
    return { n: s[0], c: s[1], h: s[2], w: s[3] };
  }

  conv2d(x: Sym, weight: ParamRef, o: Conv2dOptions): Sym {
    const [outC, , kh, kw] = weight.shape;
    const { n, h, w } = this.dims(x);
    const shape = [n, outC, convLength(h, kh, o.stride[0], o.padding[0], o.dilation[0]), convLength(w, kw, o.stride[1], o.padding[1], o.dilation[1])];
    const bn = this.plan.get(weight.key)?.bn;
    const inputs = bn ? this.foldedConv(weight, o.bias, bn) : [x.name, this.graph.param(weight)];
    if (bn) inputs.unshift(x.name);
    else if (o.bias) inputs.push(this.graph.param(o.bias));
    const y = this.graph.node('Conv', inputs, shape, [
      ints('kernel_shape', [kh, kw]),
      ints('strides', o.stride),
      ints('pads', [o.padding[0], o.padding[1], o.padding[0], o.padding[1]]),
      ints('dilations', o.dilation),
      int('group', o.groups),
    ]);
    if (bn) this.folded.set(y.name, bn.weight.key);
    return y;
  }

  /** [weight, bias] initializers of a conv with `bn` folded in (convLayouts.foldBatchNorm, as tfjs). */
  private foldedConv(weight: ParamRef, bias: ParamRef | undefined, bn: BatchNormParams): string[] {
    const g = this.graph;
    const data = (r: ParamRef) => g.tensorData(r).data;
    const f = foldBatchNorm(g.tensorData(weight), bias && data(bias), {
      weight: data(bn.weight),
      bias: data(bn.bias),
      runningMean: data(bn.runningMean),
      runningVar: data(bn.runningVar),
      eps: bn.eps,
    });
    return [g.derived(`${weight.key}+${bn.weight.key}`, f.weight), g.derived(`${bn.bias.key}+folded`, { shape: [f.bias.length], data: f.bias })];
  }

  batchNorm(x: Sym, p: BatchNormParams): Sym {
    if (this.folded.get(x.name) === p.weight.key) {
      this.folded.delete(x.name); // folded into the conv that made x
      return x;
    }
    const g = this.graph;
    const inputs = [x.name, g.param(p.weight), g.param(p.bias), g.param(p.runningMean), g.param(p.runningVar)];
    return g.node('BatchNormalization', inputs, x.shape, [float('epsilon', p.eps)]);
  }

  linear(x: Sym, weight: ParamRef, bias?: ParamRef): Sym {
    const g = this.graph;
    const [outC, inC] = weight.shape;
    if (x.shape.length === 2) {
      const inputs = [x.name, g.param(weight)];
      if (bias) inputs.push(g.param(bias));
      return g.node('Gemm', inputs, [x.shape[0], outC], [int('transB', 1)]);
    }
    // On an NCHW map a Linear over channels is a 1×1 conv with the same weight, viewed [O, I, 1, 1]
    // (a constant reshape ORT folds at load).
    const w = g.node('Reshape', [g.param(weight), g.int64s([outC, inC, 1, 1])], [outC, inC, 1, 1]);
    const inputs = [x.name, w.name];
    if (bias) inputs.push(g.param(bias));
    return g.node('Conv', inputs, [x.shape[0], outC, x.shape[2], x.shape[3]], [ints('kernel_shape', [1, 1])]);
  }

  activation(x: Sym, kind: Activation): Sym {
    const g = this.graph;
    switch (kind) {
      case 'relu':
        return g.node('Relu', [x.name], x.shape);
      case 'relu6':
        return g.node('Clip', [x.name, g.floats([], [0]), g.floats([], [6])], x.shape);
      case 'sigmoid':
        return g.node('Sigmoid', [x.name], x.shape);
      case 'hardSigmoid':
        // relu6(x + 3) / 6 = clamp(x/6 + 1/2, 0, 1)
        return g.node('HardSigmoid', [x.name], x.shape, [float('alpha', 1 / 6), float('beta', 0.5)]);
      case 'hardSwish':
        return g.node('HardSwish', [x.name], x.shape);
      case 'silu':
        return this.mul(x, g.node('Sigmoid', [x.name], x.shape));
      case 'gelu': {
        // Exact (erf) GELU as x·0.5·(1 + erf(x / √2)): with Div (not Mul by 1/√2) this is the
        // pattern ORT 1.30's GeluFusion turns into one Gelu kernel (ConvNeXt-tiny ~10% faster).
        const erf = g.node('Erf', [g.node('Div', [x.name, g.floats([], [Math.SQRT2])], x.shape).name], x.shape);
        const onePlus = g.node('Add', [erf.name, g.floats([], [1])], x.shape);
        return this.scale(this.mul(x, onePlus), 0.5);
      }
      case 'tanh':
        return g.node('Tanh', [x.name], x.shape);
      case 'leakyRelu':
        return this.leakyRelu(x, LEAKY_RELU_SLOPE);
      case 'identity':
        return x;
    }
  }

  add(a: Sym, b: Sym): Sym {
    return this.graph.node('Add', [a.name, b.name], broadcast(a.shape, b.shape));
  }

  mul(a: Sym, b: Sym): Sym {
    return this.graph.node('Mul', [a.name, b.name], broadcast(a.shape, b.shape));
  }

  scale(x: Sym, factor: number): Sym {
    return this.graph.node('Mul', [x.name, this.graph.floats([], [factor])], x.shape);
  }

  maxPool2d(x: Sym, o: Pool2dOptions): Sym {
    // ONNX MaxPool ignores padded taps, as torch does (pads act as -inf).
    const p = planPool(x.shape[2], x.shape[3], o);
    return this.graph.node('MaxPool', [x.name], [x.shape[0], x.shape[1], p.oh, p.ow], [
      ints('kernel_shape', o.kernel),
      ints('strides', o.stride),
      ints('pads', [p.ph[0], p.pw[0], p.ph[1], p.pw[1]]),
    ]);
  }

  avgPool2d(x: Sym, o: Pool2dOptions): Sym {
    const p = planPool(x.shape[2], x.shape[3], o);
    const shape = [x.shape[0], x.shape[1], p.oh, p.ow];
    const attrs = (pads: number[], countIncludePad: number) => [
      ints('kernel_shape', o.kernel),
      ints('strides', o.stride),
      ints('pads', pads),
      int('count_include_pad', countIncludePad),
    ];
    const pads = [p.ph[0], p.pw[0], p.ph[1], p.pw[1]];
    // Every window full (padding counted where torch counts it): a plain mean over kh·kw taps.
    if (p.windowsFull) return this.graph.node('AveragePool', [x.name], shape, attrs(pads, 1));
    // count_include_pad=False: torch and ONNX both divide by the taps inside the input.
    if (o.countIncludePad === false) return this.graph.node('AveragePool', [x.name], shape, attrs(pads, 0));
    // count_include_pad=True with ceil-mode windows hanging past the padding: torch counts the
    // padding but not the overhang. Zero-pad, take kh·kw means, rescale each window by kh·kw / taps.
    const padded = this.pad2d(x, [p.ph[0], p.ph[1], p.pw[0], p.pw[1]]);
    const mean = this.graph.node('AveragePool', [padded.name], shape, attrs([0, 0, 0, 0], 1));
    return this.graph.node('Mul', [mean.name, this.graph.floats([1, 1, p.oh, p.ow], p.rescale)], shape);
  }

  /** A [C] parameter shaped to broadcast over x's channel axis. */
  private perChannel(x: Sym, ref: ParamRef): string {
    const g = this.graph;
    if (x.shape.length === 2) return g.param(ref);
    return g.node('Reshape', [g.param(ref), g.int64s([1, ref.shape[0], 1, 1])], [1, ref.shape[0], 1, 1]).name;
  }

  private affineNorm(x: Sym, p: NormParams): Sym {
    const g = this.graph;
    const scaled = g.node('Mul', [x.name, this.perChannel(x, p.weight)], x.shape);
    return g.node('Add', [scaled.name, this.perChannel(x, p.bias)], x.shape);
  }

  channelScale(x: Sym, gamma: ParamRef): Sym {
    return this.graph.node('Mul', [x.name, this.perChannel(x, gamma)], x.shape);
  }

  affine(x: Sym, weight: ParamRef, bias: ParamRef): Sym {
    // perChannel reshapes a [1] parameter to [1, 1, 1, 1]: it broadcasts over every element.
    return this.affineNorm(x, { weight, bias, eps: 0 });
  }

  leakyRelu(x: Sym, slope: number): Sym {
    return this.graph.node('LeakyRelu', [x.name], x.shape, [float('alpha', slope)]);
  }

  layerNorm(x: Sym, p: NormParams): Sym {
    const g = this.graph;
    const ln = (v: Sym) => g.node('LayerNormalization', [v.name, g.param(p.weight), g.param(p.bias)], v.shape, [int('axis', -1), float('epsilon', p.eps)]);
    if (x.shape.length === 2) return ln(x);
    // Channels last for ORT's LayerNormalization kernel, then back.
    const [n, c, h, w] = x.shape;
    const nhwc = g.node('Transpose', [x.name], [n, h, w, c], [ints('perm', [0, 2, 3, 1])]);
    return g.node('Transpose', [ln(nhwc).name], x.shape, [ints('perm', [0, 3, 1, 2])]);
  }

  groupNorm(x: Sym, p: NormParams, groups: number): Sym {
    const g = this.graph;
    const n = x.shape[0];
    // [N, G, C/G·H·W]: InstanceNormalization normalises each group over the rest, with unit scale.
    const grouped = g.node('Reshape', [x.name, g.int64s([n, groups, -1])], [n, groups, x.shape.slice(1).reduce((a, b) => a * b, 1) / groups]);
    const ones = g.floats([groups], new Float32Array(groups).fill(1));
    const zeros = g.floats([groups], new Float32Array(groups));
    const normed = g.node('InstanceNormalization', [grouped.name, ones, zeros], grouped.shape, [float('epsilon', p.eps)]);
    return this.affineNorm(g.node('Reshape', [normed.name, g.int64s([...x.shape])], x.shape), p);
  }

  grn(x: Sym, p: NormParams): Sym {
    const g = this.graph;
    const [n, c] = x.shape;
    const sumSq = g.node('ReduceSumSquare', [x.name], [n, c, 1, 1], [ints('axes', [2, 3]), int('keepdims', 1)]);
    const norm = g.node('Sqrt', [sumSq.name], sumSq.shape);
    const mean = g.node('ReduceMean', [norm.name], [n, 1, 1, 1], [ints('axes', [1]), int('keepdims', 1)]);
    const denom = g.node('Add', [mean.name, g.floats([], [p.eps])], mean.shape);
    const nx = g.node('Div', [norm.name, denom.name], sumSq.shape);
    const response = this.affineNorm(g.node('Mul', [x.name, nx.name], x.shape), p);
    return g.node('Add', [x.name, response.name], x.shape);
  }

  upsampleNearest(x: Sym, factor: number): Sym {
    if (factor === 1) return x;
    const g = this.graph;
    const [n, c, h, w] = x.shape;
    // 'asymmetric' + 'floor': output i reads input floor(i / factor), torch's 'nearest'.
    return g.node('Resize', [x.name, '', g.floats([4], [1, 1, factor, factor])], [n, c, h * factor, w * factor], [
      { name: 'mode', type: 'string', value: 'nearest' },
      { name: 'coordinate_transformation_mode', type: 'string', value: 'asymmetric' },
      { name: 'nearest_mode', type: 'string', value: 'floor' },
    ]);
  }

  adaptiveAvgPool2d(x: Sym, size: Pair): Sym {
    const g = this.graph;
    const [n, c, h, w] = x.shape;
    const [oh, ow] = size;
    // Each axis is a fixed averaging matrix: x·Mwᵀ over W, then Mh·(…) over H (MatMul broadcasts over N, C).
    let y = x;
    if (w !== ow) {
      const mw = adaptiveAvgMatrix(w, ow);
      const mwT = new Float32Array(w * ow);
      for (let i = 0; i < ow; i++) for (let j = 0; j < w; j++) mwT[j * ow + i] = mw[i * w + j];
      y = g.node('MatMul', [y.name, g.floats([w, ow], mwT)], [n, c, h, ow]);
    }
    if (h !== oh) y = g.node('MatMul', [g.floats([oh, h], adaptiveAvgMatrix(h, oh)), y.name], [n, c, oh, ow]);
    return y;
  }

  globalAvgPool(x: Sym): Sym {
    return this.graph.node('GlobalAveragePool', [x.name], [x.shape[0], x.shape[1], 1, 1]);
  }

  globalMaxPool(x: Sym): Sym {
    return this.graph.node('GlobalMaxPool', [x.name], [x.shape[0], x.shape[1], 1, 1]);
  }

  flatten(x: Sym): Sym {
    if (x.shape.length === 2) return x;
    return this.graph.node('Flatten', [x.name], [x.shape[0], x.shape[1]], [int('axis', 1)]);
  }

  pad2d(x: Sym, pads: readonly [number, number, number, number], value = 0): Sym {
    const [n, c, h, w] = x.shape;
    const [top, bottom, left, right] = pads;
    const g = this.graph;
    const onnxPads = g.int64s([0, 0, top, left, 0, 0, bottom, right]);
    return g.node('Pad', [x.name, onnxPads, g.floats([], [value])], [n, c, h + top + bottom, w + left + right], [{ name: 'mode', type: 'string', value: 'constant' }]);
  }

  concatChannels(xs: Sym[]): Sym {
    if (xs.length === 1) return xs[0];
    const shape = [...xs[0].shape];
    shape[1] = xs.reduce((s, x) => s + x.shape[1], 0);
    return this.graph.node('Concat', xs.map((x) => x.name), shape, [int('axis', 1)]);
  }

  splitChannels(x: Sym, sizes: number[]): Sym[] {
    if (sizes.length === 1) return [x];
    const shapes = sizes.map((c) => {
      const s = [...x.shape];
      s[1] = c;
      return s;
    });
    return this.graph.nodeMulti('Split', [x.name, this.graph.int64s(sizes)], shapes, [int('axis', 1)]);
  }

  channelConv1d(x: Sym, weight: ParamRef): Sym {
    const { n, c } = this.dims(x);
    const k = weight.shape[weight.shape.length - 1];
    const g = this.graph;
    // [N, C, 1, 1] → [N, 1, C]: the channels become a 1-D signal with one input channel.
    const seq = g.node('Reshape', [x.name, g.int64s([n, 1, c])], [n, 1, c]);
    const conv = g.node('Conv', [seq.name, g.param(weight)], [n, 1, c], [ints('kernel_shape', [k]), ints('pads', [(k - 1) / 2, (k - 1) / 2])]);
    return g.node('Reshape', [conv.name, g.int64s([n, c, 1, 1])], [n, c, 1, 1]);
  }

  radixSoftmax(x: Sym, radix: number, cardinality: number): Sym {
    const { n, c } = this.dims(x);
    const r = c / (cardinality * radix);
    const g = this.graph;
    const grouped = g.node('Reshape', [x.name, g.int64s([n, cardinality, radix, r])], [n, cardinality, radix, r]);
    const radixMajor = g.node('Transpose', [grouped.name], [n, radix, cardinality, r], [ints('perm', [0, 2, 1, 3])]);
    const soft = g.node('Softmax', [radixMajor.name], radixMajor.shape, [int('axis', 1)]);
    return g.node('Reshape', [soft.name, g.int64s([n, c, 1, 1])], [n, c, 1, 1]);
  }
}

export { OnnxGraph, type Sym };
