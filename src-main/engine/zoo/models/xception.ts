/**
 * timm `xception_aligned.py`: the aligned (DeepLab) Xception-41/65/71 and the
 * pre-activation `p` variants. The legacy, non-aligned `xception` is not here.
 *
 * timm builds these with feature_cls='hook': every level but the last is taken
 * at a point *inside* a strided block (just before its strided third separable
 * conv), so a block can yield a feature tensor as well as its output.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, LevelTap, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** One entry of timm's block_cfg. */
interface BlockCfg {
  inChs: number;
  /** A single width, or the widths of the three separable convs. */
  outChs: number | readonly [number, number, number];
  stride: number;
  noSkip?: boolean;
  /** XceptionModule only: false moves the ReLUs inside the separable convs (exit-flow block). */
  startWithRelu?: boolean;
}

interface XceptionConfig {
  blocks: readonly BlockCfg[];
  preact: boolean;
  /** BatchNorm eps: 1e-3 (TF-ported weights) except xception41p, which uses torch's 1e-5. */
  eps: number;
}

const widths = (o: BlockCfg['outChs']): readonly [number, number, number] => (typeof o === 'number' ? [o, o, o] : o);

/**
 * Built-in blocks: `forward` is the whole block; `forwardTapped` also returns the
 * hook tensor that timm's feature_info names inside it (and can stop right there).
 * `tap` replaces the hook tensor; the rest of the block reads the replacement,
 * as after a PyTorch forward hook that returns a new output.
 */
interface XBlock {
  readonly outChannels: number;
  forward<T>(ops: Ops<T>, x: T): T;
  /** [tap, out], or just [tap] when `stopAtTap`. */
  forwardTapped<T>(ops: Ops<T>, x: T, stopAtTap: boolean, tap?: (value: T) => T): T[];
}

const identity = <T>(v: T): T => v;

/** timm ConvNormAct (conv keys `.conv`, norm keys `.bn`), activation optional. */
class ConvBn {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, kernel: number, stride: number, eps: number, private readonly act: boolean) {
    this.conv = new Conv2d(scope.child('conv'), inC, outC, kernel, { stride });
    this.bn = new BatchNorm2d(scope.child('bn'), outC, eps);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.bn.forward(ops, this.conv.forward(ops, x));
    return this.act ? ops.activation(y, 'relu') : y;
  }
}

/** timm SeparableConv2d: depthwise 3×3 + BN (+ReLU), pointwise 1×1 + BN (+ReLU). */
class SeparableConv {
  private readonly convDw: Conv2d;
  private readonly bnDw: BatchNorm2d;
  private readonly convPw: Conv2d;
  private readonly bnPw: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, stride: number, dilation: number, eps: number, private readonly act: boolean) {
    this.convDw = new Conv2d(scope.child('conv_dw'), inC, inC, 3, { stride, dilation, groups: inC });
    this.bnDw = new BatchNorm2d(scope.child('bn_dw'), inC, eps);
    this.convPw = new Conv2d(scope.child('conv_pw'), inC, outC, 1);
    this.bnPw = new BatchNorm2d(scope.child('bn_pw'), outC, eps);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.bnDw.forward(ops, this.convDw.forward(ops, x));
    if (this.act) y = ops.activation(y, 'relu');
    y = this.bnPw.forward(ops, this.convPw.forward(ops, y));
    return this.act ? ops.activation(y, 'relu') : y;
  }
}

/**
 * timm XceptionModule. With start_with_relu its stack is act1, conv1, act2, conv2,
 * act3, conv3; the hook point is act3's output. act3 is in-place in timm, but it
 * is the hooked module itself, and conv3 only reads it, so the tap is ReLU(conv2).
 * act1 is not in-place, so the shortcut sees the block's unrectified input.
 */
class XceptionModule implements XBlock {
  readonly outChannels: number;
  private readonly shortcut?: ConvBn;
  private readonly convs: SeparableConv[] = [];
  private readonly startWithRelu: boolean;
  private readonly noSkip: boolean;

  constructor(scope: Scope, cfg: BlockCfg, stride: number, dilation: number, eps: number) {
    const outs = widths(cfg.outChs);
    this.outChannels = outs[2];
    this.noSkip = cfg.noSkip ?? false;
    this.startWithRelu = cfg.startWithRelu ?? true;
    if (!this.noSkip && (this.outChannels !== cfg.inChs || stride !== 1)) {
      this.shortcut = new ConvBn(scope.child('shortcut'), cfg.inChs, this.outChannels, 1, stride, eps, false);
    }
    const stack = scope.child('stack');
    let inC = cfg.inChs;
    outs.forEach((outC, i) => {
      this.convs.push(new SeparableConv(stack.child(`conv${i + 1}`), inC, outC, i === 2 ? stride : 1, dilation, eps, !this.startWithRelu));
      inC = outC;
    });
  }

  private preAct<T>(ops: Ops<T>, x: T): T {
    return this.startWithRelu ? ops.activation(x, 'relu') : x;
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.forwardTapped(ops, x, false)[1];
  }

  forwardTapped<T>(ops: Ops<T>, x: T, stopAtTap: boolean, tapFn: (value: T) => T = identity): T[] {
    let y = this.convs[0].forward(ops, this.preAct(ops, x));
    y = this.convs[1].forward(ops, this.preAct(ops, y));
    const tap = tapFn(this.preAct(ops, y));
    if (stopAtTap) return [tap];
    y = this.convs[2].forward(ops, tap);
    if (this.noSkip) return [tap, y];
    return [tap, ops.add(y, this.shortcut ? this.shortcut.forward(ops, x) : x)];
  }
}

/** timm PreSeparableConv2d: optional BN+ReLU first, then depthwise 3×3 and pointwise 1×1 (no norm after). */
class PreSeparableConv {
  private readonly norm?: BatchNorm2d;
  private readonly convDw: Conv2d;
  private readonly convPw: Conv2d;

  constructor(scope: Scope, inC: number, outC: number, stride: number, dilation: number, eps: number, firstAct: boolean) {
    if (firstAct) this.norm = new BatchNorm2d(scope.child('norm'), inC, eps);
    this.convDw = new Conv2d(scope.child('conv_dw'), inC, inC, 3, { stride, dilation, groups: inC });
    this.convPw = new Conv2d(scope.child('conv_pw'), inC, outC, 1);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.norm ? ops.activation(this.norm.forward(ops, x), 'relu') : x;
    return this.convPw.forward(ops, this.convDw.forward(ops, y));
  }
}

/**
 * timm PreXceptionModule: BN+ReLU on the input (shared by stack and shortcut), then
 * three pre-activated separable convs; the hook point is conv2's output. conv3's
 * in-place ReLU acts on its BatchNorm's fresh output, so the hooked tensor stays
 * the raw pointwise-conv result.
 */
class PreXceptionModule implements XBlock {
  readonly outChannels: number;
  private readonly shortcut?: Conv2d;
  private readonly norm: BatchNorm2d;
  private readonly convs: PreSeparableConv[] = [];
  private readonly noSkip: boolean;

  constructor(scope: Scope, cfg: BlockCfg, stride: number, dilation: number, eps: number) {
    const outs = widths(cfg.outChs);
    this.outChannels = outs[2];
    this.noSkip = cfg.noSkip ?? false;
    if (!this.noSkip && (this.outChannels !== cfg.inChs || stride !== 1)) {
      this.shortcut = new Conv2d(scope.child('shortcut'), cfg.inChs, this.outChannels, 1, { stride });
    }
    this.norm = new BatchNorm2d(scope.child('norm'), cfg.inChs, eps);
    const stack = scope.child('stack');
    let inC = cfg.inChs;
    outs.forEach((outC, i) => {
      this.convs.push(new PreSeparableConv(stack.child(`conv${i + 1}`), inC, outC, i === 2 ? stride : 1, dilation, eps, i > 0));
      inC = outC;
    });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.forwardTapped(ops, x, false)[1];
  }

  forwardTapped<T>(ops: Ops<T>, x: T, stopAtTap: boolean, tapFn: (value: T) => T = identity): T[] {
    const skip = ops.activation(this.norm.forward(ops, x), 'relu');
    const tap = tapFn(this.convs[1].forward(ops, this.convs[0].forward(ops, skip)));
    if (stopAtTap) return [tap];
    const y = this.convs[2].forward(ops, tap);
    if (this.noSkip) return [tap, y];
    return [tap, ops.add(y, this.shortcut ? this.shortcut.forward(ops, skip) : skip)];
  }
}

/** The stem: 3×3/2 ConvNormAct to 32, then a 3×3 ConvNormAct to 64 (a bare conv for preact). */
class Stem {
  private readonly conv0: ConvBn;
  private readonly conv1: ConvBn | Conv2d;

  constructor(scope: Scope, inChans: number, preact: boolean, eps: number) {
    this.conv0 = new ConvBn(scope.child(0), inChans, 32, 3, 2, eps, true);
    this.conv1 = preact ? new Conv2d(scope.child(1), 32, 64, 3) : new ConvBn(scope.child(1), 32, 64, 3, 1, eps, true);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.conv1.forward(ops, this.conv0.forward(ops, x));
  }
}

export class XceptionAligned extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  private readonly stem: Stem;
  private readonly blocks: XBlock[] = [];
  /** Per block: the feature level hooked inside it, or -1. */
  private readonly tapLevel: number[] = [];
  private readonly preact: boolean;

  constructor(cfg: XceptionConfig, args: ModelArgs) {
    super();
    this.preact = cfg.preact;
    this.stem = new Stem(this.root.child('stem'), args.inChans, cfg.preact, cfg.eps);
    let dilation = 1;
    let netStride = 2;
    const blocksScope = this.root.child('blocks');
    cfg.blocks.forEach((b, i) => {
      // As timm: a block keeps the dilation it was reached with; only later blocks dilate.
      const blockDilation = dilation;
      let stride = b.stride;
      this.tapLevel.push(stride > 1 ? this.featureInfo.length : -1);
      if (stride > 1) {
        this.featureInfo.push({
          numChs: widths(b.outChs)[1],
          reduction: netStride,
          module: `blocks.${i}.stack.${cfg.preact ? 'conv2' : 'act3'}`,
        });
        if (netStride * stride > args.outputStride) {
          dilation *= stride;
          stride = 1;
        } else {
          netStride *= stride;
        }
      }
      const Module = cfg.preact ? PreXceptionModule : XceptionModule;
      this.blocks.push(new Module(blocksScope.child(i), b, stride, blockDilation, cfg.eps));
    });
    this.numFeatures = this.blocks[this.blocks.length - 1].outChannels;
    this.featureInfo.push({ numChs: this.numFeatures, reduction: netStride, module: `blocks.${this.blocks.length - 1}` });
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  /**
   * The levels are hook outputs: the deepest one may sit inside a block, which then
   * runs only up to the hook. The last level is the last block's output *before*
   * the preact models' final ReLU (timm's hook net stops at that block).
   */
  override forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[] {
    const deepest = Math.max(...levels);
    const lastLevel = this.featureInfo.length - 1;
    const found = new Map<number, T>();
    let y = ops.scope(() => this.stem.forward(ops, x));
    for (let i = 0; i < this.blocks.length; i++) {
      const block = this.blocks[i];
      const level = this.tapLevel[i];
      if (level >= 0 && level <= deepest) {
        const stop = level === deepest;
        const parts = ops.scope(() => block.forwardTapped(ops, y, stop, tap && ((v: T) => tap(level, v))));
        found.set(level, parts[0]);
        if (stop) break;
        y = parts[1];
      } else {
        y = ops.scope(() => block.forward(ops, y));
      }
      if (i === this.blocks.length - 1) {
        const out = y;
        if (tap) y = ops.scope(() => tap(lastLevel, out));
        found.set(lastLevel, y);
      }
    }
    return levels.map((l) => found.get(l) as T);
  }

  protected override featuresTail<T>(ops: Ops<T>, x: T): T {
    return this.preact ? ops.activation(x, 'relu') : x;
  }

}

/** Entry flow of the 41/65 models, then `middle` 728-wide blocks, then the exit flow. */
function blockCfg(entryFlow: readonly BlockCfg[], middle: number, preact: boolean): BlockCfg[] {
  return [
    ...entryFlow,
    ...Array.from({ length: middle }, () => ({ inChs: 728, outChs: 728, stride: 1 })),
    { inChs: 728, outChs: [728, 1024, 1024], stride: 2 },
    { inChs: 1024, outChs: [1536, 1536, 2048], stride: 1, noSkip: true, ...(preact ? {} : { startWithRelu: false }) },
  ];
}

const entry41: readonly BlockCfg[] = [
  { inChs: 64, outChs: 128, stride: 2 },
  { inChs: 128, outChs: 256, stride: 2 },
  { inChs: 256, outChs: 728, stride: 2 },
];

/** xception71 splits the entry flow's strides over five blocks. */
const entry71: readonly BlockCfg[] = [
  { inChs: 64, outChs: 128, stride: 2 },
  { inChs: 128, outChs: 256, stride: 1 },
  { inChs: 256, outChs: 256, stride: 2 },
  { inChs: 256, outChs: 728, stride: 1 },
  { inChs: 728, outChs: 728, stride: 2 },
];

function entry(name: string, cfg: XceptionConfig): ModelEntry {
  return {
    name,
    family: 'xception_aligned',
    create: (args) => new XceptionAligned(cfg, args),
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

export const xceptionEntries: ModelEntry[] = [
  entry('xception41', { blocks: blockCfg(entry41, 8, false), preact: false, eps: 1e-3 }),
  entry('xception65', { blocks: blockCfg(entry41, 16, false), preact: false, eps: 1e-3 }),
  entry('xception71', { blocks: blockCfg(entry71, 16, false), preact: false, eps: 1e-3 }),
  entry('xception41p', { blocks: blockCfg(entry41, 8, true), preact: true, eps: 1e-5 }),
  entry('xception65p', { blocks: blockCfg(entry41, 16, true), preact: true, eps: 1e-3 }),
];
