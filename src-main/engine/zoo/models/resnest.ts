/**
 * timm `resnest.py` (ResNeSt: Split-Attention Networks) and timm/layers/split_attn.py.
 * The trunk is resnet.ts's ResNet; only the bottleneck differs, so this file
 * provides a BlockType carrying ResNeSt's block_args (radix, avd, avd_first).
 */
import type { Ops } from '../../ops/ops';
import type { ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { makeDivisible } from '../layers/helpers';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { ResNet, type Block, type BlockArgs, type BlockType, type ResNetConfig } from './resnet';

/** timm SplitAttn's extra constructor knobs; the defaults are the ones ResNeSt uses. */
interface SplitAttnOptions {
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  radix: number;
  rdRatio?: number;
  rdDivisor?: number;
}

/**
 * timm SplitAttn ("Splat"): a grouped k×k conv producing `radix` splits, whose
 * summed, pooled descriptor drives a per-split softmax (sigmoid when radix is 1)
 * that weights the splits before they are summed again.
 */
export class SplitAttn {
  private readonly conv: Conv2d;
  private readonly bn0: BatchNorm2d;
  private readonly fc1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly fc2: Conv2d;
  private readonly radix: number;
  private readonly groups: number;
  private readonly outChannels: number;

  constructor(scope: Scope, inChannels: number, outChannels: number, kernel: number, o: SplitAttnOptions) {
    this.radix = o.radix;
    this.groups = o.groups;
    this.outChannels = outChannels;
    const midChs = outChannels * o.radix;
    const attnChs = makeDivisible(inChannels * o.radix * (o.rdRatio ?? 0.25), o.rdDivisor ?? 8, 32);
    this.conv = new Conv2d(scope.child('conv'), inChannels, midChs, kernel, {
      stride: o.stride,
      padding: o.padding,
      dilation: o.dilation,
      groups: o.groups * o.radix,
    });
    this.bn0 = new BatchNorm2d(scope.child('bn0'), midChs);
    // fc1/fc2 are 1×1 convs with bias, grouped by cardinality (not by radix).
    this.fc1 = new Conv2d(scope.child('fc1'), outChannels, attnChs, 1, { groups: o.groups, bias: true });
    this.bn1 = new BatchNorm2d(scope.child('bn1'), attnChs);
    this.fc2 = new Conv2d(scope.child('fc2'), attnChs, midChs, 1, { groups: o.groups, bias: true });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = ops.activation(this.bn0.forward(ops, this.conv.forward(ops, x)), 'relu');
    // timm reshapes [B, R·C, H, W] to [B, R, C, H, W]: split r is channel block r.
    const sizes = new Array<number>(this.radix).fill(this.outChannels);
    const splits = this.radix > 1 ? ops.splitChannels(y, sizes) : [y];
    const summed = splits.reduce((acc, s) => ops.add(acc, s));
    let gap = ops.globalAvgPool(summed);
    gap = ops.activation(this.bn1.forward(ops, this.fc1.forward(ops, gap)), 'relu');
    const logits = this.fc2.forward(ops, gap);
    if (this.radix === 1) return ops.mul(y, ops.activation(logits, 'sigmoid'));
    // rSoftMax returns the attention radix-major, so it splits the same way as y.
    const attn = ops.splitChannels(ops.radixSoftmax(logits, this.radix, this.groups), sizes);
    return splits.map((s, r) => ops.mul(s, attn[r])).reduce((acc, v) => ops.add(acc, v));
  }
}

/** ResNeSt's block_args: the split count and where the stride moves to (avd). */
export interface ResNestBlockOptions {
  radix: number;
  avd: boolean;
  avdFirst: boolean;
}

/** timm ResNestBottleneck: conv1 1×1, SplitAttn 3×3 (as conv2), optional avg-pool stride (avd), conv3 1×1. */
class ResNestBottleneck implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: SplitAttn | Conv2d;
  private readonly bn2?: BatchNorm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;
  /** Stride of the 3×3/pad-1 avg pool that replaces the conv stride when avd is on; 0 when absent. */
  private readonly avdStride: number;

  constructor(scope: Scope, private readonly a: BlockArgs, private readonly o: ResNestBlockOptions) {
    if (a.reduceFirst !== 1) throw new Error('ResNestBottleneck does not support reduce_first != 1');
    if (a.attn) throw new Error('ResNestBottleneck does not support attn_layer');
    const groupWidth = Math.floor(a.planes * (a.baseWidth / 64)) * a.cardinality;
    const firstDilation = a.firstDilation || a.dilation;
    // timm's make_blocks never passes is_first, so avd only applies to strided blocks.
    let stride = a.stride;
    this.avdStride = 0;
    if (o.avd && stride > 1) {
      this.avdStride = stride;
      stride = 1;
    }
    this.conv1 = new Conv2d(scope.child('conv1'), a.inplanes, groupWidth, 1);
    this.bn1 = new BatchNorm2d(scope.child('bn1'), groupWidth);
    if (o.radix >= 1) {
      this.conv2 = new SplitAttn(scope.child('conv2'), groupWidth, groupWidth, 3, {
        stride,
        padding: firstDilation,
        dilation: firstDilation,
        groups: a.cardinality,
        radix: o.radix,
      });
    } else {
      this.conv2 = new Conv2d(scope.child('conv2'), groupWidth, groupWidth, 3, {
        stride,
        padding: firstDilation,
        dilation: firstDilation,
        groups: a.cardinality,
      });
      this.bn2 = new BatchNorm2d(scope.child('bn2'), groupWidth);
    }
    this.conv3 = new Conv2d(scope.child('conv3'), groupWidth, a.planes * 4, 1);
    this.bn3 = new BatchNorm2d(scope.child('bn3'), a.planes * 4);
  }

  private avdPool<T>(ops: Ops<T>, x: T): T {
    // torch AvgPool2d(3, s, padding=1): count_include_pad defaults to True.
    const s = this.avdStride;
    return ops.avgPool2d(x, { kernel: [3, 3], stride: [s, s], padding: [1, 1], ceilMode: false, countIncludePad: true });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    if (this.avdStride > 0 && this.o.avdFirst) y = this.avdPool(ops, y);
    y = this.conv2.forward(ops, y);
    if (this.bn2) y = ops.activation(this.bn2.forward(ops, y), 'relu');
    if (this.avdStride > 0 && !this.o.avdFirst) y = this.avdPool(ops, y);
    y = this.bn3.forward(ops, this.conv3.forward(ops, y));
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

/** A BlockType for the ResNet trunk, closing over ResNeSt's block_args. */
export function resnestBottleneck(o: ResNestBlockOptions): BlockType {
  return { expansion: 4, create: (s, a) => new ResNestBottleneck(s, a, o) };
}

function entry(name: string, cfg: ResNetConfig): ModelEntry {
  return {
    name,
    family: 'resnest',
    create: (args) => new ResNet(cfg, args),
    // timm's ResNet trunk asserts output_stride in (8, 16, 32).
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

const splat = resnestBottleneck({ radix: 2, avd: true, avdFirst: false });
const deepAvg = { block: splat, stemType: 'deep', avgDown: true, baseWidth: 64, cardinality: 1 } as const;

export const resnestEntries: ModelEntry[] = [
  entry('resnest14d', { ...deepAvg, layers: [1, 1, 1, 1], stemWidth: 32 }),
  entry('resnest26d', { ...deepAvg, layers: [2, 2, 2, 2], stemWidth: 32 }),
  entry('resnest50d', { ...deepAvg, layers: [3, 4, 6, 3], stemWidth: 32 }),
  entry('resnest101e', { ...deepAvg, layers: [3, 4, 23, 3], stemWidth: 64 }),
];
