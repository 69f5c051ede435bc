/**
 * timm `res2net.py`: Res2Net and Res2NeXt. The trunk is resnet.ts's ResNet; only the
 * bottleneck differs (Bottle2neck), so this file provides a BlockType carrying the
 * block's `scale` (its block_args).
 */
import type { Ops } from '../../ops/ops';
import type { ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { createAttn, type ChannelAttention } from '../layers/attention';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { ResNet, type Block, type BlockArgs, type BlockType, type ResNetConfig } from './resnet';

/**
 * timm Bottle2neck: a 1×1 conv widens to `scale` splits of `width` channels; every split
 * but the last goes through its own 3×3 conv, each one first adding the previous
 * split's output (the hierarchical residual), and the last split passes through as is
 * (an avg pool in the first block of a stage). The splits are concatenated back and
 * a 1×1 conv expands to planes·4.
 */
class Bottle2neck implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly convs: Conv2d[] = [];
  private readonly bns: BatchNorm2d[] = [];
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;
  private readonly se?: ChannelAttention;
  /** timm's is_first: the splits do not feed each other, and the passed-through split is pooled. */
  private readonly isFirst: boolean;
  private readonly width: number;
  private readonly stride: number;

  constructor(scope: Scope, private readonly a: BlockArgs, private readonly scale: number) {
    // timm's Bottle2neck swallows reduce_first (**_), so it is not checked here.
    this.isFirst = a.stride > 1 || a.downsample !== undefined;
    this.stride = a.stride;
    const numScales = Math.max(1, scale - 1);
    this.width = Math.floor(a.planes * (a.baseWidth / 64)) * a.cardinality;
    const outplanes = a.planes * 4;
    const firstDilation = a.firstDilation || a.dilation;
    this.conv1 = new Conv2d(scope.child('conv1'), a.inplanes, this.width * scale, 1);
    this.bn1 = new BatchNorm2d(scope.child('bn1'), this.width * scale);
    for (let i = 0; i < numScales; i++) {
      this.convs.push(
        new Conv2d(scope.child('convs').child(i), this.width, this.width, 3, {
          stride: a.stride,
          padding: firstDilation,
          dilation: firstDilation,
          groups: a.cardinality,
        }),
      );
      this.bns.push(new BatchNorm2d(scope.child('bns').child(i), this.width));
    }
    this.conv3 = new Conv2d(scope.child('conv3'), this.width * scale, outplanes, 1);
    this.bn3 = new BatchNorm2d(scope.child('bn3'), outplanes);
    this.se = createAttn(a.attn, scope.child('se'), outplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const out = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    const spx = this.scale > 1 ? ops.splitChannels(out, new Array<number>(this.scale).fill(this.width)) : [out];
    const spo: T[] = [];
    let sp = spx[0];
    this.convs.forEach((conv, i) => {
      sp = i === 0 || this.isFirst ? spx[i] : ops.add(sp, spx[i]);
      sp = ops.activation(this.bns[i].forward(ops, conv.forward(ops, sp)), 'relu');
      spo.push(sp);
    });
    if (this.scale > 1) {
      const last = spx[spx.length - 1];
      // torch AvgPool2d(3, stride, padding=1): count_include_pad defaults to True.
      const s = this.stride;
      spo.push(this.isFirst ? ops.avgPool2d(last, { kernel: [3, 3], stride: [s, s], padding: [1, 1], ceilMode: false, countIncludePad: true }) : last);
    }
    let y = spo.length > 1 ? ops.concatChannels(spo) : spo[0];
    y = this.bn3.forward(ops, this.conv3.forward(ops, y));
    if (this.se) y = this.se.forward(ops, y);
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

/** A BlockType for the ResNet trunk, closing over Res2Net's block_args (scale). */
export function bottle2neck(scale: number): BlockType {
  return { expansion: 4, create: (s, a) => new Bottle2neck(s, a, scale) };
}

function entry(name: string, cfg: ResNetConfig): ModelEntry {
  return {
    name,
    family: 'res2net',
    create: (args) => new ResNet(cfg, args),
    // timm's ResNet trunk asserts output_stride in (8, 16, 32).
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

const layers50 = [3, 4, 6, 3];

export const res2netEntries: ModelEntry[] = [
  entry('res2net50_26w_4s', { block: bottle2neck(4), layers: layers50, baseWidth: 26 }),
  entry('res2net50_14w_8s', { block: bottle2neck(8), layers: layers50, baseWidth: 14 }),
  entry('res2net101_26w_4s', { block: bottle2neck(4), layers: [3, 4, 23, 3], baseWidth: 26 }),
  entry('res2next50', { block: bottle2neck(4), layers: layers50, baseWidth: 4, cardinality: 8 }),
];
