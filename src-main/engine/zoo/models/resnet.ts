/**
 * timm `resnet.py`: ResNet, ResNet-D, ResNeXt, SE/ECA-ResNet, Wide ResNet.
 * The ResNet class is also the trunk for ResNeSt (resnest.ts passes its own block).
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d, getPadding } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { createAttn, type AttnType, type ChannelAttention } from '../layers/attention';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

export interface Block {
  forward<T>(ops: Ops<T>, x: T): T;
}

export interface BlockArgs {
  inplanes: number;
  planes: number;
  stride: number;
  downsample?: Downsample;
  cardinality: number;
  baseWidth: number;
  reduceFirst: number;
  dilation: number;
  firstDilation: number;
  attn: AttnType;
}

/** A residual block type: its channel expansion and how to build one at a scope. */
export interface BlockType {
  expansion: number;
  create(scope: Scope, a: BlockArgs): Block;
}

/** The shortcut projection: optional avg pool, 1×1 (or k×k) conv, BN. Keys downsample.0/1 (or .1/.2 after a pool). */
export class Downsample {
  private readonly pool?: 'avg' | 'avgSame';
  private readonly avgStride: number;
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, kernel: number, stride: number, dilation: number, firstDilation: number, avgDown: boolean) {
    if (avgDown) {
      this.avgStride = dilation === 1 ? stride : 1;
      if (stride !== 1 || dilation !== 1) this.pool = this.avgStride === 1 && dilation > 1 ? 'avgSame' : 'avg';
      this.conv = new Conv2d(scope.child(1), inC, outC, 1, { padding: 0 });
      this.bn = new BatchNorm2d(scope.child(2), outC);
    } else {
      this.avgStride = 1;
      const k = stride === 1 && dilation === 1 ? 1 : kernel;
      const d = k > 1 ? firstDilation || dilation : 1;
      this.conv = new Conv2d(scope.child(0), inC, outC, k, { stride, padding: getPadding(k, stride, d), dilation: d });
      this.bn = new BatchNorm2d(scope.child(1), outC);
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = x;
    if (this.pool === 'avg') {
      y = ops.avgPool2d(y, { kernel: [2, 2], stride: [this.avgStride, this.avgStride], padding: [0, 0], ceilMode: true, countIncludePad: false });
    } else if (this.pool === 'avgSame') {
      // timm AvgPool2dSame(2, stride=1): TF-'same' zero pad (right/bottom by 1), then a plain 2×2 mean.
      y = ops.avgPool2d(ops.pad2d(y, [0, 1, 0, 1]), { kernel: [2, 2], stride: [1, 1], padding: [0, 0], ceilMode: true, countIncludePad: false });
    }
    return this.bn.forward(ops, this.conv.forward(ops, y));
  }
}

class BasicBlock implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly se?: ChannelAttention;

  constructor(scope: Scope, private readonly a: BlockArgs) {
    if (a.cardinality !== 1 || a.baseWidth !== 64) throw new Error('BasicBlock only supports cardinality 1 and base_width 64');
    const firstPlanes = Math.floor(a.planes / a.reduceFirst);
    const outplanes = a.planes;
    this.conv1 = new Conv2d(scope.child('conv1'), a.inplanes, firstPlanes, 3, { stride: a.stride, padding: a.firstDilation, dilation: a.firstDilation });
    this.bn1 = new BatchNorm2d(scope.child('bn1'), firstPlanes);
    this.conv2 = new Conv2d(scope.child('conv2'), firstPlanes, outplanes, 3, { padding: a.dilation, dilation: a.dilation });
    this.bn2 = new BatchNorm2d(scope.child('bn2'), outplanes);
    this.se = createAttn(a.attn, scope.child('se'), outplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    y = this.bn2.forward(ops, this.conv2.forward(ops, y));
    if (this.se) y = this.se.forward(ops, y);
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

class Bottleneck implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;
  private readonly se?: ChannelAttention;

  constructor(scope: Scope, private readonly a: BlockArgs) {
    const width = Math.floor(a.planes * (a.baseWidth / 64)) * a.cardinality;
    const firstPlanes = Math.floor(width / a.reduceFirst);
    const outplanes = a.planes * 4;
    this.conv1 = new Conv2d(scope.child('conv1'), a.inplanes, firstPlanes, 1);
    this.bn1 = new BatchNorm2d(scope.child('bn1'), firstPlanes);
    this.conv2 = new Conv2d(scope.child('conv2'), firstPlanes, width, 3, {
      stride: a.stride,
      padding: a.firstDilation,
      dilation: a.firstDilation,
      groups: a.cardinality,
    });
    this.bn2 = new BatchNorm2d(scope.child('bn2'), width);
    this.conv3 = new Conv2d(scope.child('conv3'), width, outplanes, 1);
    this.bn3 = new BatchNorm2d(scope.child('bn3'), outplanes);
    this.se = createAttn(a.attn, scope.child('se'), outplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    y = ops.activation(this.bn2.forward(ops, this.conv2.forward(ops, y)), 'relu');
    y = this.bn3.forward(ops, this.conv3.forward(ops, y));
    if (this.se) y = this.se.forward(ops, y);
    const shortcut = this.a.downsample ? this.a.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

export const basicBlock: BlockType = { expansion: 1, create: (s, a) => new BasicBlock(s, a) };
export const bottleneck: BlockType = { expansion: 4, create: (s, a) => new Bottleneck(s, a) };

export interface ResNetConfig {
  block: BlockType;
  layers: readonly number[];
  cardinality?: number;
  baseWidth?: number;
  stemWidth?: number;
  stemType?: '' | 'deep' | 'deep_tiered';
  avgDown?: boolean;
  downKernelSize?: number;
  blockReduceFirst?: number;
  attn?: AttnType;
  channels?: readonly number[];
}

/** The stem's conv1: one 7×7, or timm's 'deep' three-3×3 Sequential (keys conv1.0/.1/.3/.4/.6). */
class Stem {
  private readonly convs: Conv2d[] = [];
  private readonly norms: BatchNorm2d[] = [];
  private readonly bn1: BatchNorm2d;

  constructor(scope: Scope, inChans: number, inplanes: number, stemWidth: number, stemType: string) {
    if (stemType.includes('deep')) {
      const c1 = scope.child('conv1');
      const chs = stemType.includes('tiered') ? [3 * Math.floor(stemWidth / 4), stemWidth] : [stemWidth, stemWidth];
      this.convs.push(new Conv2d(c1.child(0), inChans, chs[0], 3, { stride: 2, padding: 1 }));
      this.norms.push(new BatchNorm2d(c1.child(1), chs[0]));
      this.convs.push(new Conv2d(c1.child(3), chs[0], chs[1], 3, { padding: 1 }));
      this.norms.push(new BatchNorm2d(c1.child(4), chs[1]));
      this.convs.push(new Conv2d(c1.child(6), chs[1], inplanes, 3, { padding: 1 }));
    } else {
      this.convs.push(new Conv2d(scope.child('conv1'), inChans, inplanes, 7, { stride: 2, padding: 3 }));
    }
    this.bn1 = new BatchNorm2d(scope.child('bn1'), inplanes);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = x;
    this.convs.forEach((conv, i) => {
      y = conv.forward(ops, y);
      if (i < this.norms.length) y = ops.activation(this.norms[i].forward(ops, y), 'relu');
    });
    return ops.activation(this.bn1.forward(ops, y), 'relu');
  }
}

export class ResNet extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: Stem;
  private readonly stages: Block[][] = [];

  constructor(cfg: ResNetConfig, args: ModelArgs) {
    super();
    const stemWidth = cfg.stemWidth ?? 64;
    const stemType = cfg.stemType ?? '';
    let inplanes = stemType.includes('deep') ? stemWidth * 2 : 64;
    this.stem = new Stem(this.root, args.inChans, inplanes, stemWidth, stemType);
    this.featureInfo = [{ numChs: inplanes, reduction: 2, module: 'act1' }];

    const channels = cfg.channels ?? [64, 128, 256, 512];
    const block = cfg.block;
    let netStride = 4;
    let dilation = 1;
    let prevDilation = 1;
    channels.forEach((planes, stageIdx) => {
      const name = `layer${stageIdx + 1}`;
      const stageScope = this.root.child(name);
      let stride = stageIdx === 0 ? 1 : 2;
      if (netStride >= args.outputStride) {
        dilation *= stride;
        stride = 1;
      } else {
        netStride *= stride;
      }
      const outC = planes * block.expansion;
      let downsample: Downsample | undefined;
      const blocks: Block[] = [];
      for (let b = 0; b < cfg.layers[stageIdx]; b++) {
        const blockScope = stageScope.child(b);
        if (b === 0 && (stride !== 1 || inplanes !== outC)) {
          downsample = new Downsample(blockScope.child('downsample'), inplanes, outC, cfg.downKernelSize ?? 1, stride, dilation, prevDilation, cfg.avgDown ?? false);
        }
        blocks.push(
          block.create(blockScope, {
            inplanes,
            planes,
            stride: b === 0 ? stride : 1,
            downsample: b === 0 ? downsample : undefined,
            cardinality: cfg.cardinality ?? 1,
            baseWidth: cfg.baseWidth ?? 64,
            reduceFirst: cfg.blockReduceFirst ?? 1,
            dilation,
            firstDilation: prevDilation,
            attn: cfg.attn ?? null,
          }),
        );
        prevDilation = dilation;
        inplanes = outC;
      }
      this.stages.push(blocks);
      this.featureInfo.push({ numChs: inplanes, reduction: netStride, module: name });
    });
    this.numFeatures = inplanes;
    this.createHead('fc', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return [
      (x) => this.stem.forward(ops, x),
      ...this.stages.map((blocks, i) => (x: T): T => {
        const y = i === 0 ? ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: false }) : x;
        return runSequential(ops, y, blocks);
      }),
    ];
  }


}

function entry(name: string, cfg: ResNetConfig): ModelEntry {
  return {
    name,
    family: 'resnet',
    create: (args) => new ResNet(cfg, args),
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

const b = bottleneck;
const resnetD = { stemWidth: 32, stemType: 'deep', avgDown: true } as const;

export const resnetEntries: ModelEntry[] = [
  entry('resnet18', { block: basicBlock, layers: [2, 2, 2, 2] }),
  entry('resnet26', { block: b, layers: [2, 2, 2, 2] }),
  entry('resnet34', { block: basicBlock, layers: [3, 4, 6, 3] }),
  entry('resnet50', { block: b, layers: [3, 4, 6, 3] }),
  entry('resnet101', { block: b, layers: [3, 4, 23, 3] }),
  entry('resnet152', { block: b, layers: [3, 8, 36, 3] }),
  entry('resnet26d', { block: b, layers: [2, 2, 2, 2], ...resnetD }),
  entry('resnet50d', { block: b, layers: [3, 4, 6, 3], ...resnetD }),
  entry('resnet101d', { block: b, layers: [3, 4, 23, 3], ...resnetD }),
  entry('resnet152d', { block: b, layers: [3, 8, 36, 3], ...resnetD }),
  entry('resnext50_32x4d', { block: b, layers: [3, 4, 6, 3], cardinality: 32, baseWidth: 4 }),
  entry('resnext101_32x8d', { block: b, layers: [3, 4, 23, 3], cardinality: 32, baseWidth: 8 }),
  entry('seresnet50', { block: b, layers: [3, 4, 6, 3], attn: 'se' }),
  entry('ecaresnet50d', { block: b, layers: [3, 4, 6, 3], ...resnetD, attn: 'eca' }),
  entry('ecaresnet101d', { block: b, layers: [3, 4, 23, 3], ...resnetD, attn: 'eca' }),
  entry('wide_resnet50_2', { block: b, layers: [3, 4, 6, 3], baseWidth: 128 }),
];
