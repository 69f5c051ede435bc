/**
 * timm `dpn.py`: Dual Path Networks (DPN-68, DPN-92; the MXNet-ported weights).
 *
 * Every block is pre-activation (BN → ReLU → conv, BN eps 1e-3) and carries two
 * paths: a residual path of fixed width (the block's first `bw` output channels
 * are added to it) and a dense path that grows by `inc` channels per block (the
 * rest are concatenated to it). A stage's first block projects its input into
 * both paths with a 1×1 conv (strided in conv3–5). A feature level is the two
 * paths concatenated, as timm's feature_concat gives them; forward_features
 * ends with a BN + ReLU over that concatenation (`conv5_bn_ac`). timm asserts
 * output_stride == 32, and its classifier is a 1×1 conv flattened only when pooled.
 * The `b` variants (dpn68b: separate c1x1_c1/c1x1_c2 convs) are not here.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { ConvNormAct } from '../layers/convNormAct';
import { ConvClassifierHead } from '../layers/convClassifierHead';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** Every DPN BatchNorm (timm's norm_layer partial). */
const BN_EPS = 1e-3;

/** timm BnActConv2d: BN (eps 1e-3) + ReLU, then a bias-free conv with timm's default padding. Keys `bn.*`, `conv.*`. */
class BnActConv {
  private readonly bn: BatchNorm2d;
  private readonly conv: Conv2d;

  constructor(scope: Scope, inC: number, outC: number, kernel: number, stride: number, groups = 1) {
    this.bn = new BatchNorm2d(scope.child('bn'), inC, BN_EPS);
    this.conv = new Conv2d(scope.child('conv'), inC, outC, kernel, { stride, groups });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.conv.forward(ops, ops.activation(this.bn.forward(ops, x), 'relu'));
  }
}

type BlockType = 'proj' | 'down' | 'normal';

/** timm DualPathBlock (b=False): takes the (residual, dense) pair, returns the next one. */
class DualPathBlock {
  private readonly proj?: BnActConv;
  private readonly c1x1A: BnActConv;
  private readonly c3x3B: BnActConv;
  private readonly c1x1C: BnActConv;

  constructor(scope: Scope, inC: number, num1x1A: number, num3x3B: number, private readonly num1x1C: number, private readonly inc: number, groups: number, type: BlockType) {
    const keyStride = type === 'down' ? 2 : 1;
    if (type !== 'normal') {
      // timm names the projection by its stride, so the MXNet weights' keys match.
      this.proj = new BnActConv(scope.child(keyStride === 2 ? 'c1x1_w_s2' : 'c1x1_w_s1'), inC, num1x1C + 2 * inc, 1, keyStride);
    }
    this.c1x1A = new BnActConv(scope.child('c1x1_a'), inC, num1x1A, 1, 1);
    this.c3x3B = new BnActConv(scope.child('c3x3_b'), num1x1A, num3x3B, 3, keyStride, groups);
    this.c1x1C = new BnActConv(scope.child('c1x1_c'), num3x3B, num1x1C + inc, 1, 1);
  }

  /** `x`: the block input as one tensor (the pair concatenated); `pair`: the same two paths apart, needed only without a projection. */
  forward<T>(ops: Ops<T>, x: T, pair?: readonly [T, T]): [T, T] {
    let shortcut: readonly [T, T];
    if (this.proj) {
      const [s1, s2] = ops.splitChannels(this.proj.forward(ops, x), [this.num1x1C, 2 * this.inc]);
      shortcut = [s1, s2];
    } else {
      if (!pair) throw new Error('DualPathBlock without a projection needs the (residual, dense) pair');
      shortcut = pair;
    }
    const y = this.c1x1C.forward(ops, this.c3x3B.forward(ops, this.c1x1A.forward(ops, x)));
    const [out1, out2] = ops.splitChannels(y, [this.num1x1C, this.inc]);
    return [ops.add(shortcut[0], out1), ops.concatChannels([shortcut[1], out2])];
  }
}

export interface DpnConfig {
  /** Blocks per stage (conv2..conv5). */
  kSec: readonly [number, number, number, number];
  /** Dense-path growth per block, per stage. */
  incSec: readonly [number, number, number, number];
  kR: number;
  groups: number;
  /** DPN-68's narrow variant: a 3×3 stem and bottleneck widths 64·2^s instead of 256·2^s. */
  small?: boolean;
  numInitFeatures: number;
}

export class Dpn extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: ConvNormAct;
  private readonly stages: DualPathBlock[][] = [];
  private readonly finalBn: BatchNorm2d;

  constructor(cfg: DpnConfig, args: ModelArgs) {
    super();
    const features = this.root.child('features');
    const bwFactor = cfg.small ? 1 : 4;
    this.stem = new ConvNormAct(features.child('conv1_1'), args.inChans, cfg.numInitFeatures, cfg.small ? 3 : 7, { stride: 2, eps: BN_EPS });
    this.featureInfo = [{ numChs: cfg.numInitFeatures, reduction: 2, module: 'features.conv1_1' }];
    let inC = cfg.numInitFeatures;
    for (let s = 0; s < 4; s++) {
      const bw = 64 * 2 ** s * bwFactor;
      const inc = cfg.incSec[s];
      const r = Math.floor((cfg.kR * bw) / (64 * bwFactor));
      const blocks: DualPathBlock[] = [];
      for (let i = 1; i <= cfg.kSec[s]; i++) {
        const type: BlockType = i > 1 ? 'normal' : s === 0 ? 'proj' : 'down';
        blocks.push(new DualPathBlock(features.child(`conv${s + 2}_${i}`), inC, r, r, bw, inc, cfg.groups, type));
        inC = i === 1 ? bw + 3 * inc : inC + inc;
      }
      this.stages.push(blocks);
      this.featureInfo.push({ numChs: inC, reduction: 4 * 2 ** s, module: `features.conv${s + 2}_${cfg.kSec[s]}` });
    }
    // timm passes fc_act_layer='elu' here, but builds it from the norm layer that already has ReLU bound: the module is a ReLU (timm 1.0.29).
    this.finalBn = new BatchNorm2d(features.child('conv5_bn_ac').child('bn'), inC, BN_EPS);
    this.numFeatures = inC;
    this.head = new ConvClassifierHead(this.root.child('classifier'), this.numFeatures, args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return [
      (x) => this.stem.forward(ops, x),
      ...this.stages.map((blocks, s) => (x: T): T => {
        const input = s === 0 ? ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: false }) : x;
        let pair = ops.scope(() => blocks[0].forward(ops, input));
        for (const block of blocks.slice(1)) {
          const prev = pair;
          pair = ops.scope(() => block.forward(ops, ops.concatChannels([...prev]), prev));
        }
        return ops.concatChannels(pair);
      }),
    ];
  }

  protected override featuresTail<T>(ops: Ops<T>, x: T): T {
    return ops.activation(this.finalBn.forward(ops, x), 'relu');
  }
}

function entry(name: string, cfg: DpnConfig): ModelEntry {
  return {
    name,
    family: 'dpn',
    create: (args) => new Dpn(cfg, args),
    // timm: `assert output_stride == 32` (no dilation support), with or without features_only.
    outputStrides: [32],
    convClassifier: true,
    pretrained: pretrainedCfgs(name),
  };
}

export const dpnEntries: ModelEntry[] = [
  entry('dpn68', { small: true, numInitFeatures: 10, kR: 128, groups: 32, kSec: [3, 4, 12, 3], incSec: [16, 32, 32, 64] }),
  entry('dpn92', { numInitFeatures: 64, kR: 96, groups: 32, kSec: [3, 4, 20, 3], incSec: [16, 32, 24, 128] }),
];
