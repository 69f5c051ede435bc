/**
 * timm `ghostnet.py`, GhostNet v1 (`ghostnet_100`): conv_stem, bn1, act1, then nine stages
 * of GhostBottlenecks and a 1×1 ConvBnAct to 960, and MobileNetV3's "efficient head"
 * (global pool → conv_head 1×1 with bias → ReLU → flatten → classifier).
 *
 * A GhostModule makes half its output with an ordinary 1×1 conv ("primary") and the other
 * half from those maps with a cheap depthwise 3×3 ("cheap operation"), concatenates the two
 * and keeps the first out_chs channels.
 *
 * timm quirks kept: the first feature level is conv_stem's raw output (before bn1 and ReLU);
 * the other levels are the stride-2 stages' outputs (blocks.1, .3, .5, .7), so the last
 * level is 160 wide and forward_features runs blocks.8 and blocks.9 after it. GhostNet
 * asserts output_stride == 32. Its conv_head takes the pooled width unscaled, so timm builds
 * 'catavgmax' and then fails on the first forward: the port refuses it up front.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { makeDivisible } from '../layers/helpers';
import { batchNormAct, ConvBnAct, SqueezeExcite } from '../layers/efficientnetBlocks';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { MobileNetV3Head } from './mobilenetv3';

/** timm's GhostModule (v1): primary 1×1 conv + BN (+ReLU), cheap depthwise conv + BN (+ReLU), concat, slice. */
class GhostModule {
  private readonly primaryConv: Conv2d;
  private readonly primaryBn: BatchNorm2d;
  private readonly cheapConv: Conv2d;
  private readonly cheapBn: BatchNorm2d;
  private readonly initChs: number;

  constructor(
    scope: Scope,
    inChs: number,
    private readonly outChs: number,
    private readonly relu: boolean,
  ) {
    const ratio = 2;
    const dwSize = 3;
    this.initChs = Math.ceil(outChs / ratio);
    const newChs = this.initChs * (ratio - 1);
    const primary = scope.child('primary_conv');
    this.primaryConv = new Conv2d(primary.child(0), inChs, this.initChs, 1);
    this.primaryBn = new BatchNorm2d(primary.child(1), this.initChs);
    const cheap = scope.child('cheap_operation');
    this.cheapConv = new Conv2d(cheap.child(0), this.initChs, newChs, dwSize, { groups: this.initChs });
    this.cheapBn = new BatchNorm2d(cheap.child(1), newChs);
  }

  private act<T>(ops: Ops<T>, x: T): T {
    return this.relu ? ops.activation(x, 'relu') : x;
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const x1 = this.act(ops, this.primaryBn.forward(ops, this.primaryConv.forward(ops, x)));
    const x2 = this.act(ops, this.cheapBn.forward(ops, this.cheapConv.forward(ops, x1)));
    const extra = 2 * this.initChs - this.outChs;
    if (extra === 0) return ops.concatChannels([x1, x2]);
    // out[:, :out_chs]: only the first out_chs − init_chs cheap channels are kept.
    return ops.concatChannels([x1, ops.splitChannels(x2, [this.outChs - this.initChs, extra])[0]]);
  }
}

/** One row of timm's cfgs: kernel, expansion width, output width, SE ratio, stride. */
type BlockCfg = readonly [k: number, exp: number, c: number, se: number, s: number];

/** timm's GhostBottleneck (v1): ghost1, strided depthwise conv + BN, SE, ghost2, shortcut. */
class GhostBottleneck {
  private readonly ghost1: GhostModule;
  private readonly convDw?: Conv2d;
  private readonly bnDw?: BatchNorm2d;
  private readonly se?: SqueezeExcite;
  private readonly ghost2: GhostModule;
  private readonly shortcut?: [Conv2d, BatchNorm2d, Conv2d, BatchNorm2d];

  constructor(scope: Scope, inChs: number, midChs: number, outChs: number, k: number, stride: number, seRatio: number) {
    this.ghost1 = new GhostModule(scope.child('ghost1'), inChs, midChs, true);
    if (stride > 1) {
      this.convDw = new Conv2d(scope.child('conv_dw'), midChs, midChs, k, { stride, padding: (k - 1) / 2, groups: midChs });
      this.bnDw = new BatchNorm2d(scope.child('bn_dw'), midChs);
    }
    if (seRatio > 0) {
      // _SE_LAYER: SqueezeExcite with a hard_sigmoid gate, widths made divisible by 4.
      this.se = new SqueezeExcite(scope.child('se'), midChs, { rdRatio: seRatio, gate: 'hardSigmoid', act: 'relu', rdRoundFn: (v) => makeDivisible(v, 4) });
    }
    this.ghost2 = new GhostModule(scope.child('ghost2'), midChs, outChs, false);
    if (inChs !== outChs || stride !== 1) {
      const s = scope.child('shortcut');
      this.shortcut = [
        new Conv2d(s.child(0), inChs, inChs, k, { stride, padding: (k - 1) / 2, groups: inChs }),
        new BatchNorm2d(s.child(1), inChs),
        new Conv2d(s.child(2), inChs, outChs, 1),
        new BatchNorm2d(s.child(3), outChs),
      ];
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.ghost1.forward(ops, x);
    if (this.convDw && this.bnDw) y = this.bnDw.forward(ops, this.convDw.forward(ops, y));
    if (this.se) y = this.se.forward(ops, y);
    y = this.ghost2.forward(ops, y);
    if (!this.shortcut) return ops.add(y, x);
    const [dw, bn1, pw, bn2] = this.shortcut;
    return ops.add(y, bn2.forward(ops, pw.forward(ops, bn1.forward(ops, dw.forward(ops, x)))));
  }
}

/** timm _create_ghostnet's cfgs: one list of bottlenecks per stage. */
const GHOSTNET_CFGS: readonly (readonly BlockCfg[])[] = [
  [[3, 16, 16, 0, 1]],
  [[3, 48, 24, 0, 2]],
  [[3, 72, 24, 0, 1]],
  [[5, 72, 40, 0.25, 2]],
  [[5, 120, 40, 0.25, 1]],
  [[3, 240, 80, 0, 2]],
  [
    [3, 200, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 480, 112, 0.25, 1],
    [3, 672, 112, 0.25, 1],
  ],
  [[5, 672, 160, 0.25, 2]],
  [
    [5, 960, 160, 0, 1],
    [5, 960, 160, 0.25, 1],
    [5, 960, 160, 0, 1],
    [5, 960, 160, 0.25, 1],
  ],
];

interface Runnable {
  forward<T>(ops: Ops<T>, x: T): T;
}

export class GhostNet extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  private readonly convStem: Conv2d;
  private readonly bn1: BatchNorm2d;
  /** blocks.0 … blocks.9 (the last is the 1×1 ConvBnAct). */
  private readonly stages: Runnable[][] = [];
  /** Per feature level after the stem: the last stage index it includes. */
  private readonly levelEnds: number[] = [];

  constructor(width: number, args: ModelArgs) {
    super();
    if (args.globalPool === 'catavgmax') {
      throw new RangeError("global_pool 'catavgmax' is not supported by GhostNet: timm's conv_head takes the unscaled pooled width and fails on the first forward");
    }
    const stemChs = makeDivisible(16 * width, 4);
    this.convStem = new Conv2d(this.root.child('conv_stem'), args.inChans, stemChs, 3, { stride: 2, padding: 1 });
    this.featureInfo.push({ numChs: stemChs, reduction: 2, module: 'conv_stem' });
    this.bn1 = new BatchNorm2d(this.root.child('bn1'), stemChs);
    const blocks = this.root.child('blocks');
    let prevChs = stemChs;
    let netStride = 2;
    let lastExp = 0;
    GHOSTNET_CFGS.forEach((cfg, stageIdx) => {
      const stage = blocks.child(stageIdx);
      const layers: Runnable[] = [];
      let s = 1;
      cfg.forEach(([k, exp, c, se, stride], i) => {
        const outChs = makeDivisible(c * width, 4);
        const midChs = makeDivisible(exp * width, 4);
        layers.push(new GhostBottleneck(stage.child(i), prevChs, midChs, outChs, k, stride, se));
        prevChs = outChs;
        lastExp = exp;
        s = stride;
      });
      // As timm: a stage is a level when its last block strides.
      if (s > 1) {
        netStride *= 2;
        this.featureInfo.push({ numChs: prevChs, reduction: netStride, module: `blocks.${stageIdx}` });
        this.levelEnds.push(stageIdx);
      }
      this.stages.push(layers);
    });
    const outChs = makeDivisible(lastExp * width, 4);
    this.stages.push([
      new ConvBnAct(blocks.child(GHOSTNET_CFGS.length).child(0), {
        inChs: prevChs,
        outChs,
        stride: 1,
        dilation: 1,
        padType: '',
        act: 'relu',
        normAct: batchNormAct(),
        kernelSize: 1,
      }),
    ]);
    this.numFeatures = outChs;
    this.head = new MobileNetV3Head(this.root, this.numFeatures, 1280, args.numClasses, args.globalPool, {
      headBias: true,
      headNorm: false,
      act: 'relu',
      normAct: batchNormAct(),
      padType: '',
    });
  }

  private runStages<T>(ops: Ops<T>, x: T, from: number, to: number): T {
    let y = x;
    for (let i = from; i <= to; i++) for (const b of this.stages[i]) y = ops.scope(() => b.forward(ops, y));
    return y;
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    const steps: Array<(x: T) => T> = [(x) => this.convStem.forward(ops, x)];
    this.levelEnds.forEach((end, i) => {
      const from = i === 0 ? 0 : this.levelEnds[i - 1] + 1;
      steps.push((x) => {
        const y = i === 0 ? ops.activation(this.bn1.forward(ops, x), 'relu') : x;
        return this.runStages(ops, y, from, end);
      });
    });
    return steps;
  }

  protected override featuresTail<T>(ops: Ops<T>, x: T): T {
    return this.runStages(ops, x, this.levelEnds[this.levelEnds.length - 1] + 1, this.stages.length - 1);
  }
}

export const ghostnetEntries: ModelEntry[] = [
  {
    name: 'ghostnet_100',
    family: 'ghostnet',
    create: (args) => new GhostNet(1.0, args),
    // GhostNet asserts output_stride == 32 ('dilation not supported').
    outputStrides: [32],
    pretrained: pretrainedCfgs('ghostnet_100'),
  },
];
