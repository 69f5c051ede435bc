/**
 * timm `cspnet.py`: Cross Stage Partial networks (CSPResNet/CSPResNeXt,
 * CSPDarkNet53, CS3-DarkNet) and the plain DarkNet53 built from the same parts.
 *
 * A cross stage widens its input with a 1×1 conv, splits the channels in two,
 * runs blocks on one half only and concatenates the untouched half back before
 * a 1×1 transition conv. DarkNet stages skip the split (a strided conv, then blocks).
 */
import type { Activation, Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { ConvNormAct } from '../layers/convNormAct';
import { makeDivisible } from '../layers/helpers';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

interface Layer {
  forward<T>(ops: Ops<T>, x: T): T;
}

export interface CspStemConfig {
  /** One conv per entry (conv1, conv2, …). */
  outChs: readonly number[];
  /** Total stem stride: 1, 2 or 4 (4 = the first conv and, without a pool, the last conv stride). */
  stride: 1 | 2 | 4;
  kernel: number;
  /** A 3×3/2 max pool after the convs (timm pool='max'). */
  pool: boolean;
}

type PerStage<V> = V | readonly V[];

export interface CspStagesConfig {
  depth: readonly number[];
  outChs: readonly number[];
  stride?: PerStage<number>;
  groups?: PerStage<number>;
  blockRatio?: PerStage<number>;
  bottleRatio?: PerStage<number>;
  /** 'csp': CrossStage (two transitions), 'cs3': CrossStage3 (one), 'dark': no split. */
  stageType?: PerStage<'csp' | 'cs3' | 'dark'>;
  blockType?: PerStage<'bottle' | 'dark'>;
  expandRatio?: PerStage<number>;
  /** conv_exp without its activation. */
  crossLinear?: PerStage<boolean>;
  /** conv_down goes straight to out_chs (else keeps in_chs). */
  downGrowth?: PerStage<boolean>;
}

export interface CspNetConfig {
  stem: CspStemConfig;
  stages: CspStagesConfig;
  act: Activation;
}

/** timm's _pad_arg: a scalar for every stage, or a tuple padded with its last value. */
function perStage<V>(v: PerStage<V> | undefined, fallback: V, n: number): V[] {
  const list: readonly V[] = v === undefined ? [fallback] : Array.isArray(v) ? (v as readonly V[]) : [v as V];
  return Array.from({ length: n }, (_, i) => list[Math.min(i, list.length - 1)]);
}

/** Python's round() (half to even), as timm's int(round(chs * ratio)). */
function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface BlockArgs {
  inChs: number;
  outChs: number;
  dilation: number;
  bottleRatio: number;
  groups: number;
  act: Activation;
}

/** ResNe(X)t bottleneck: 1×1 → 3×3 (grouped, dilated) → 1×1 without act, + shortcut, act. */
class BottleneckBlock implements Layer {
  private readonly conv1: ConvNormAct;
  private readonly conv2: ConvNormAct;
  private readonly conv3: ConvNormAct;
  private readonly act: Activation;

  constructor(scope: Scope, a: BlockArgs) {
    const mid = pyRound(a.outChs * a.bottleRatio);
    this.conv1 = new ConvNormAct(scope.child('conv1'), a.inChs, mid, 1, { act: a.act });
    this.conv2 = new ConvNormAct(scope.child('conv2'), mid, mid, 3, { dilation: a.dilation, groups: a.groups, act: a.act });
    this.conv3 = new ConvNormAct(scope.child('conv3'), mid, a.outChs, 1, { act: 'identity' });
    this.act = a.act;
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv3.forward(ops, this.conv2.forward(ops, this.conv1.forward(ops, x)));
    return ops.activation(ops.add(y, x), this.act);
  }
}

/** DarkNet block: 1×1 → 3×3 (both activated), + shortcut with no act after. */
class DarkBlock implements Layer {
  private readonly conv1: ConvNormAct;
  private readonly conv2: ConvNormAct;

  constructor(scope: Scope, a: BlockArgs) {
    const mid = pyRound(a.outChs * a.bottleRatio);
    this.conv1 = new ConvNormAct(scope.child('conv1'), a.inChs, mid, 1, { act: a.act });
    this.conv2 = new ConvNormAct(scope.child('conv2'), mid, a.outChs, 3, { dilation: a.dilation, groups: a.groups, act: a.act });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.add(this.conv2.forward(ops, this.conv1.forward(ops, x)), x);
  }
}

interface StageArgs {
  inChs: number;
  outChs: number;
  stride: number;
  dilation: number;
  firstDilation: number;
  depth: number;
  blockRatio: number;
  bottleRatio: number;
  expandRatio: number;
  groups: number;
  crossLinear: boolean;
  downGrowth: boolean;
  blockType: 'bottle' | 'dark';
  act: Activation;
}

function makeBlocks(scope: Scope, a: StageArgs, inChs: number): { blocks: Layer[]; outChs: number } {
  const blockOut = pyRound(a.outChs * a.blockRatio);
  const blocks: Layer[] = [];
  let prev = inChs;
  for (let i = 0; i < a.depth; i++) {
    const args = { inChs: prev, outChs: blockOut, dilation: a.dilation, bottleRatio: a.bottleRatio, groups: a.groups, act: a.act };
    blocks.push(a.blockType === 'dark' ? new DarkBlock(scope.child(i), args) : new BottleneckBlock(scope.child(i), args));
    prev = blockOut;
  }
  return { blocks, outChs: prev };
}

/** conv_down: a 3×3 conv with the stage's stride (or first dilation), grouped as the blocks are. */
function convDown(scope: Scope, a: StageArgs, outChs: number): ConvNormAct {
  return new ConvNormAct(scope.child('conv_down'), a.inChs, outChs, 3, { stride: a.stride, dilation: a.firstDilation, groups: a.groups, act: a.act });
}

/**
 * timm CrossStage ('csp') and CrossStage3 ('cs3'): conv_down, 1×1 conv_exp, split in
 * two halves; one half runs the blocks, the other is carried across and concatenated back.
 * 'csp' carries the first half (and adds conv_transition_b after the blocks); 'cs3' runs the first half.
 */
class CrossStage implements Layer {
  private readonly convDown?: ConvNormAct;
  private readonly convExp: ConvNormAct;
  private readonly blocks: Layer[];
  private readonly convTransitionB?: ConvNormAct;
  private readonly convTransition: ConvNormAct;
  private readonly half: number;

  constructor(scope: Scope, a: StageArgs, private readonly kind: 'csp' | 'cs3') {
    const downChs = a.downGrowth ? a.outChs : a.inChs;
    const expChs = pyRound(a.outChs * a.expandRatio);
    let prev = a.inChs;
    if (a.stride !== 1 || a.firstDilation !== a.dilation) {
      this.convDown = convDown(scope, a, downChs);
      prev = downChs;
    }
    this.convExp = new ConvNormAct(scope.child('conv_exp'), prev, expChs, 1, { act: a.crossLinear ? 'identity' : a.act });
    this.half = Math.floor(expChs / 2);
    const made = makeBlocks(scope.child('blocks'), a, this.half);
    this.blocks = made.blocks;
    if (kind === 'csp') this.convTransitionB = new ConvNormAct(scope.child('conv_transition_b'), made.outChs, this.half, 1, { act: a.act });
    this.convTransition = new ConvNormAct(scope.child('conv_transition'), expChs, a.outChs, 1, { act: a.act });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.convDown ? this.convDown.forward(ops, x) : x;
    y = this.convExp.forward(ops, y);
    const c = ops.dims(y).c;
    const [first, second] = ops.splitChannels(y, [this.half, c - this.half]);
    let parts: T[];
    if (this.kind === 'csp') {
      const b = runSequential<T>(ops, second, this.blocks);
      parts = [first, (this.convTransitionB as ConvNormAct).forward(ops, b)];
    } else {
      parts = [runSequential<T>(ops, first, this.blocks), second];
    }
    return this.convTransition.forward(ops, ops.concatChannels(parts));
  }
}

/** timm DarkStage: a strided 3×3 conv_down to out_chs, then blocks (no split). */
class DarkStage implements Layer {
  private readonly convDown: ConvNormAct;
  private readonly blocks: Layer[];

  constructor(scope: Scope, a: StageArgs) {
    this.convDown = convDown(scope, a, a.outChs);
    this.blocks = makeBlocks(scope.child('blocks'), a, a.outChs).blocks;
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return runSequential<T>(ops, this.convDown.forward(ops, x), this.blocks);
  }
}

class MaxPool implements Layer {
  forward<T>(ops: Ops<T>, x: T): T {
    return ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: false });
  }
}

/** A module of timm's flattened sequence (stem.conv1, …, stem.pool, stages.0, …). */
interface Named {
  name: string;
  layer: Layer;
}

export class CspNet extends TimmModelBase {
  // timm: head.reset(num_classes, None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  private readonly modules: Named[] = [];

  constructor(cfg: CspNetConfig, args: ModelArgs) {
    super();
    const { stem } = cfg;
    // Stem (timm create_csp_stem): a level before every stride-2 conv but the first; the last stem module is passed on.
    let prevFeat: FeatureLevelInfo | undefined;
    let prevChs = args.inChans;
    let reduction = 1;
    const last = stem.outChs.length - 1;
    stem.outChs.forEach((chs, i) => {
      const name = `conv${i + 1}`;
      const stride = (i === 0 && stem.stride > 1) || (i === last && stem.stride > 2 && !stem.pool) ? 2 : 1;
      if (stride > 1 && prevFeat) this.featureInfo.push(prevFeat);
      this.modules.push({ name: `stem.${name}`, layer: new ConvNormAct(this.root.child('stem').child(name), prevChs, chs, stem.kernel, { stride, act: cfg.act }) });
      reduction *= stride;
      prevChs = chs;
      prevFeat = { numChs: chs, reduction, module: `stem.${name}` };
    });
    if (stem.pool) {
      if (prevFeat) this.featureInfo.push(prevFeat);
      this.modules.push({ name: 'stem.pool', layer: new MaxPool() });
      reduction *= 2;
      prevFeat = { numChs: prevChs, reduction, module: 'stem.pool' };
    }

    // Stages (timm create_csp_stages): once the stride reaches output_stride, strides become dilation.
    const s = cfg.stages;
    const n = s.depth.length;
    const strides = perStage(s.stride, 2, n);
    const groups = perStage(s.groups, 1, n);
    const blockRatio = perStage(s.blockRatio, 1, n);
    const bottleRatio = perStage(s.bottleRatio, 1, n);
    const stageType = perStage(s.stageType, 'csp' as const, n);
    const blockType = perStage(s.blockType, 'bottle' as const, n);
    const expandRatio = perStage(s.expandRatio, 1, n);
    const crossLinear = perStage(s.crossLinear, false, n);
    const downGrowth = perStage(s.downGrowth, false, n);
    let dilation = 1;
    for (let i = 0; i < n; i++) {
      let stride = strides[i];
      if (stride !== 1 && prevFeat) this.featureInfo.push(prevFeat);
      if (reduction >= args.outputStride && stride > 1) {
        dilation *= stride;
        stride = 1;
      }
      reduction *= stride;
      const a: StageArgs = {
        inChs: prevChs,
        outChs: s.outChs[i],
        stride,
        dilation,
        firstDilation: dilation === 1 || dilation === 2 ? 1 : 2,
        depth: s.depth[i],
        blockRatio: blockRatio[i],
        bottleRatio: bottleRatio[i],
        expandRatio: expandRatio[i],
        groups: groups[i],
        crossLinear: crossLinear[i],
        downGrowth: downGrowth[i],
        blockType: blockType[i],
        act: cfg.act,
      };
      const scope = this.root.child('stages').child(i);
      const type = stageType[i];
      this.modules.push({ name: `stages.${i}`, layer: type === 'dark' ? new DarkStage(scope, a) : new CrossStage(scope, a, type) });
      prevChs = s.outChs[i];
      prevFeat = { numChs: prevChs, reduction, module: `stages.${i}` };
    }
    this.featureInfo.push(prevFeat as FeatureLevelInfo);
    this.numFeatures = prevChs;
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  /** Step i runs the flattened modules after level i−1's module up to level i's (stem.pool runs inside stage 0's step). */
  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    let start = 0;
    return this.featureInfo.map((level) => {
      const end = this.modules.findIndex((m) => m.name === level.module) + 1;
      const part = this.modules.slice(start, end).map((m) => m.layer);
      start = end;
      return (x: T) => runSequential<T>(ops, x, part);
    });
  }
}

function entry(name: string, cfg: CspNetConfig): ModelEntry {
  return {
    name,
    family: 'cspnet',
    create: (args) => new CspNet(cfg, args),
    // timm asserts output_stride in (8, 16, 32).
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

/** timm _cs3_cfg: a 2-conv stride-2 stem, four CrossStage3 stages of DarkNet blocks, SiLU. */
function cs3(widthMultiplier: number, depthMultiplier: number): CspNetConfig {
  return {
    stem: { outChs: [32, 64].map((c) => makeDivisible(c * widthMultiplier)), stride: 2, kernel: 3, pool: false },
    stages: {
      outChs: [128, 256, 512, 1024].map((c) => makeDivisible(c * widthMultiplier)),
      depth: [3, 6, 9, 3].map((d) => Math.trunc(d * depthMultiplier)),
      stride: 2,
      bottleRatio: 1,
      blockRatio: 0.5,
      stageType: 'cs3',
      blockType: 'dark',
    },
    act: 'silu',
  };
}

const resnetStem: CspStemConfig = { outChs: [64], kernel: 7, stride: 4, pool: true };
const darkStem: CspStemConfig = { outChs: [32], kernel: 3, stride: 1, pool: false };

export const cspnetEntries: ModelEntry[] = [
  entry('cspresnet50', {
    stem: resnetStem,
    stages: { depth: [3, 3, 5, 2], outChs: [128, 256, 512, 1024], stride: [1, 2], expandRatio: 2, bottleRatio: 0.5, crossLinear: true },
    act: 'leakyRelu',
  }),
  entry('cspresnext50', {
    stem: resnetStem,
    stages: { depth: [3, 3, 5, 2], outChs: [256, 512, 1024, 2048], stride: [1, 2], groups: 32, expandRatio: 1, bottleRatio: 1, blockRatio: 0.5, crossLinear: true },
    act: 'leakyRelu',
  }),
  entry('cspdarknet53', {
    stem: darkStem,
    stages: {
      depth: [1, 2, 8, 8, 4],
      outChs: [64, 128, 256, 512, 1024],
      stride: 2,
      expandRatio: [2, 1],
      bottleRatio: [0.5, 1],
      blockRatio: [1, 0.5],
      downGrowth: true,
      blockType: 'dark',
    },
    act: 'leakyRelu',
  }),
  entry('darknet53', {
    stem: darkStem,
    stages: { depth: [1, 2, 8, 8, 4], outChs: [64, 128, 256, 512, 1024], stride: 2, bottleRatio: 0.5, blockRatio: 1, stageType: 'dark', blockType: 'dark' },
    act: 'leakyRelu',
  }),
  entry('cs3darknet_s', cs3(0.5, 0.5)),
  entry('cs3darknet_m', cs3(0.75, 0.67)),
  entry('cs3darknet_l', cs3(1, 1)),
];
