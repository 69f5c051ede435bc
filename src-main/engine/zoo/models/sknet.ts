/**
 * timm `sknet.py` (Selective Kernel Networks, ResNet base) and timm/layers/selective_kernel.py.
 * The trunk is resnet.ts's ResNet; this file provides the two block types
 * (SelectiveKernelBasic, SelectiveKernelBottleneck) carrying the SelectiveKernel's sk_kwargs.
 */
import type { Ops } from '../../ops/ops';
import type { ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { ConvNormAct } from '../layers/convNormAct';
import { createAttn, type ChannelAttention } from '../layers/attention';
import { makeDivisible } from '../layers/helpers';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { ResNet, type Block, type BlockArgs, type BlockType, type ResNetConfig } from './resnet';

/** timm SelectiveKernel's sk_kwargs (the ones sknet.py sets; the rest keep timm's defaults). */
export interface SelectiveKernelOptions {
  /** Kernel size per path; timm's default is one 3×3 and one 5×5 path. */
  kernelSize?: readonly number[];
  rdRatio?: number;
  rdDivisor?: number;
  /** Make every path 3×3, turning a larger kernel into a dilated 3×3 (timm default true). */
  keep3x3?: boolean;
  /** Give each path its own slice of the input channels (timm default true). */
  splitInput?: boolean;
}

/**
 * timm SelectiveKernelAttn: sum the paths, global-average-pool, 1×1 reduce + BN + ReLU,
 * 1×1 select to channels·paths, then a softmax over the paths for each channel.
 */
class SelectiveKernelAttn {
  private readonly fcReduce: Conv2d;
  private readonly bn: BatchNorm2d;
  private readonly fcSelect: Conv2d;

  constructor(scope: Scope, channels: number, private readonly numPaths: number, attnChannels: number) {
    this.fcReduce = new Conv2d(scope.child('fc_reduce'), channels, attnChannels, 1);
    this.bn = new BatchNorm2d(scope.child('bn'), attnChannels);
    this.fcSelect = new Conv2d(scope.child('fc_select'), attnChannels, channels * numPaths, 1);
  }

  /** The per-path attention, path-major ([N, P·C, 1, 1]: path p is channel block p). */
  forward<T>(ops: Ops<T>, paths: T[]): T {
    let x = ops.globalAvgPool(paths.reduce((acc, p) => ops.add(acc, p)));
    x = ops.activation(this.bn.forward(ops, this.fcReduce.forward(ops, x)), 'relu');
    x = this.fcSelect.forward(ops, x);
    // view(B, P, C, 1, 1).softmax(1) is rSoftMax with one group: channel p·C + c, softmax over p.
    return ops.radixSoftmax(x, this.numPaths, 1);
  }
}

/**
 * timm SelectiveKernel: parallel conv-BN-ReLU paths (3×3 and, by default, a dilated 3×3
 * standing in for a 5×5), optionally each on its own slice of the input channels, weighted
 * per channel by SelectiveKernelAttn and summed.
 */
export class SelectiveKernel {
  private readonly paths: ConvNormAct[];
  private readonly attn: SelectiveKernelAttn;
  private readonly splitInput: boolean;
  private readonly inChannels: number;
  private readonly outChannels: number;

  constructor(
    scope: Scope,
    inChannels: number,
    outChannels: number,
    conv: { stride: number; dilation: number; groups: number },
    o: SelectiveKernelOptions = {},
  ) {
    let kernels = [...(o.kernelSize ?? [3, 5])];
    for (const k of kernels) if (k < 3 || k % 2 === 0) throw new Error(`SelectiveKernel: kernel ${k} must be odd and ≥ 3`);
    let dilations: number[];
    if (o.keep3x3 ?? true) {
      dilations = kernels.map((k) => Math.floor((conv.dilation * (k - 1)) / 2));
      kernels = kernels.map(() => 3);
    } else {
      dilations = kernels.map(() => conv.dilation);
    }
    const numPaths = kernels.length;
    this.splitInput = o.splitInput ?? true;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    if (this.splitInput && inChannels % numPaths) throw new Error(`SelectiveKernel: ${inChannels} input channels do not split into ${numPaths} paths`);
    const pathIn = this.splitInput ? inChannels / numPaths : inChannels;
    const groups = Math.min(outChannels, conv.groups);
    const pathsScope = scope.child('paths');
    this.paths = kernels.map(
      (k, i) => new ConvNormAct(pathsScope.child(i), pathIn, outChannels, k, { stride: conv.stride, dilation: dilations[i], groups }),
    );
    const attnChannels = makeDivisible(outChannels * (o.rdRatio ?? 1 / 16), o.rdDivisor ?? 8);
    this.attn = new SelectiveKernelAttn(scope.child('attn'), outChannels, numPaths, attnChannels);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const n = this.paths.length;
    const inputs = this.splitInput ? ops.splitChannels(x, new Array<number>(n).fill(this.inChannels / n)) : this.paths.map(() => x);
    const outs = this.paths.map((p, i) => p.forward(ops, inputs[i]));
    const attn = ops.splitChannels(this.attn.forward(ops, outs), new Array<number>(n).fill(this.outChannels));
    return outs.map((p, i) => ops.mul(p, attn[i])).reduce((acc, v) => ops.add(acc, v));
  }
}

/** timm SelectiveKernelBasic: SelectiveKernel (as conv1, carrying the stride) → 3×3 conv-BN. */
class SelectiveKernelBasic implements Block {
  private readonly conv1: SelectiveKernel;
  private readonly conv2: ConvNormAct;
  private readonly se?: ChannelAttention;

  constructor(scope: Scope, private readonly a: BlockArgs, sk: SelectiveKernelOptions) {
    if (a.cardinality !== 1) throw new Error('SelectiveKernelBasic only supports cardinality 1');
    if (a.baseWidth !== 64) throw new Error('SelectiveKernelBasic does not support changing base width');
    const firstPlanes = Math.floor(a.planes / a.reduceFirst);
    const outplanes = a.planes;
    const firstDilation = a.firstDilation || a.dilation;
    this.conv1 = new SelectiveKernel(scope.child('conv1'), a.inplanes, firstPlanes, { stride: a.stride, dilation: firstDilation, groups: 1 }, sk);
    this.conv2 = new ConvNormAct(scope.child('conv2'), firstPlanes, outplanes, 3, { dilation: a.dilation, act: 'identity' });
    this.se = createAttn(a.attn, scope.child('se'), outplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.conv2.forward(ops, this.conv1.forward(ops, x));
    if (this.se) y = this.se.forward(ops, y);
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

/** timm SelectiveKernelBottleneck: 1×1 conv-BN-ReLU → SelectiveKernel (grouped, strided) → 1×1 conv-BN. */
class SelectiveKernelBottleneck implements Block {
  private readonly conv1: ConvNormAct;
  private readonly conv2: SelectiveKernel;
  private readonly conv3: ConvNormAct;
  private readonly se?: ChannelAttention;

  constructor(scope: Scope, private readonly a: BlockArgs, sk: SelectiveKernelOptions) {
    const width = Math.floor(a.planes * (a.baseWidth / 64)) * a.cardinality;
    const firstPlanes = Math.floor(width / a.reduceFirst);
    const outplanes = a.planes * 4;
    const firstDilation = a.firstDilation || a.dilation;
    this.conv1 = new ConvNormAct(scope.child('conv1'), a.inplanes, firstPlanes, 1);
    this.conv2 = new SelectiveKernel(scope.child('conv2'), firstPlanes, width, { stride: a.stride, dilation: firstDilation, groups: a.cardinality }, sk);
    this.conv3 = new ConvNormAct(scope.child('conv3'), width, outplanes, 1, { act: 'identity' });
    this.se = createAttn(a.attn, scope.child('se'), outplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.conv3.forward(ops, this.conv2.forward(ops, this.conv1.forward(ops, x)));
    if (this.se) y = this.se.forward(ops, y);
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

export function selectiveKernelBasic(sk: SelectiveKernelOptions): BlockType {
  return { expansion: 1, create: (s, a) => new SelectiveKernelBasic(s, a, sk) };
}

export function selectiveKernelBottleneck(sk: SelectiveKernelOptions): BlockType {
  return { expansion: 4, create: (s, a) => new SelectiveKernelBottleneck(s, a, sk) };
}

function entry(name: string, cfg: ResNetConfig): ModelEntry {
  return {
    name,
    family: 'sknet',
    create: (args) => new ResNet(cfg, args),
    // timm's ResNet trunk asserts output_stride in (8, 16, 32).
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

const skBasic = selectiveKernelBasic({ rdRatio: 1 / 8, rdDivisor: 16, splitInput: true });

export const sknetEntries: ModelEntry[] = [
  entry('skresnet18', { block: skBasic, layers: [2, 2, 2, 2] }),
  entry('skresnet34', { block: skBasic, layers: [3, 4, 6, 3] }),
  entry('skresnext50_32x4d', {
    block: selectiveKernelBottleneck({ rdRatio: 1 / 16, rdDivisor: 32, splitInput: false }),
    layers: [3, 4, 6, 3],
    cardinality: 32,
    baseWidth: 4,
  }),
];
