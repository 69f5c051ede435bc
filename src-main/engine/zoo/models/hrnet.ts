/**
 * timm `hrnet.py`: HRNet (High-Resolution Network) for classification.
 *
 * A stem takes the image to stride 4; from there the network keeps parallel
 * branches at strides 4, 8, 16 and 32 (a new, coarser branch starts at each
 * transition) and every HighResolutionModule ends by fusing them: each branch's
 * output is the sum of all branches brought to its resolution (strided 3×3
 * convs going down, a 1×1 conv and nearest upsampling going up).
 *
 * timm's features_only model (HighResolutionNetFeatures, feature_location='incre')
 * returns the stem's first ReLU (stride 2) and the four branches after their
 * `incre_modules` Bottleneck. The four branch levels are not a chain: they come
 * out of the last stage together. The classifier's forward_features sums the
 * incre outputs from fine to coarse through `downsamp_modules`, then `final_layer`.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, LevelTap, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { assertInputFits } from '../inputSizeCheck';
import type { InputSizeRule } from '../../../../src-shared/inputSizeRule';
import { basicBlock, bottleneck, Downsample, type Block, type BlockType } from './resnet';

/** One of timm's cfg_cls stage dicts (fuse_method is always 'SUM'). */
interface StageCfg {
  numModules: number;
  block: BlockType;
  numBlocks: readonly number[];
  numChannels: readonly number[];
}

interface HrnetConfig {
  stemWidth: number;
  /** stage1 (one branch, becomes `layer1`) and stages 2–4. */
  stages: readonly [StageCfg, StageCfg, StageCfg, StageCfg];
  /** timm's head_conv_bias: the downsamp/final convs of the classifier head carry a bias. */
  headConvBias?: boolean;
}

/** The incre_modules' Bottleneck widths (×4 out: 128, 256, 512, 1024). */
const HEAD_CHANNELS = [32, 64, 128, 256] as const;
const NUM_FEATURES = 2048;

/** Input sides HRNet takes (timm raises for others): 224, 256, 64, and also 61–63, 93–95 …. */
export const HRNET_INPUT_RULE: InputSizeRule = {
  sides: { stride: 4, multiple: 8 },
  why: 'HRNet’s fuse layers add maps upsampled ×2, ×4, ×8 to the stride-4 branch, so the branch sizes must line up',
};

/** A residual block with timm's plain defaults (no groups, no dilation, no attention). */
function makeBlock(type: BlockType, scope: Scope, inplanes: number, planes: number): Block {
  const outC = planes * type.expansion;
  const downsample = inplanes !== outC ? new Downsample(scope.child('downsample'), inplanes, outC, 1, 1, 1, 1, false) : undefined;
  return type.create(scope, { inplanes, planes, stride: 1, downsample, cardinality: 1, baseWidth: 64, reduceFirst: 1, dilation: 1, firstDilation: 1, attn: null });
}

/** timm's _make_layer / _make_one_branch at stride 1: `count` blocks, the first with a projection shortcut when widths differ. */
function makeBlocks(type: BlockType, scope: Scope, inplanes: number, planes: number, count: number): Block[] {
  return Array.from({ length: count }, (_, b) => makeBlock(type, scope.child(b), b === 0 ? inplanes : planes * type.expansion, planes));
}

/** nn.Sequential(Conv2d, BatchNorm2d[, ReLU]) with keys `.0` and `.1`. */
class ConvBn {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, kernel: number, stride: number, private readonly relu: boolean, bias = false) {
    this.conv = new Conv2d(scope.child(0), inC, outC, kernel, { stride, padding: (kernel - 1) / 2, bias });
    this.bn = new BatchNorm2d(scope.child(1), outC);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.bn.forward(ops, this.conv.forward(ops, x));
    return this.relu ? ops.activation(y, 'relu') : y;
  }
}

/** nn.Sequential of ConvBn units, keys `.0`, `.1`, …; empty is nn.Identity. */
class ConvChain {
  constructor(readonly units: readonly ConvBn[]) {}

  get isIdentity(): boolean {
    return this.units.length === 0;
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.units.reduce((y, u) => u.forward(ops, y), x);
  }
}

/** One fuse_layers[i][j]: brings branch j to branch i's resolution and width. */
interface FusePath {
  forward<T>(ops: Ops<T>, x: T): T;
}

const identityPath: FusePath = { forward: (_ops, x) => x };

/** j > i: 1×1 conv + BN to branch i's width, then nearest upsampling ×2^(j−i). */
class FuseUp implements FusePath {
  private readonly conv: ConvBn;

  constructor(scope: Scope, inC: number, outC: number, private readonly factor: number) {
    this.conv = new ConvBn(scope, inC, outC, 1, 1, false);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.upsampleNearest(this.conv.forward(ops, x), this.factor);
  }
}

/**
 * j < i: i−j strided 3×3 conv + BN units (keys `.k.0/.k.1`); all but the last keep
 * branch j's width and end in a ReLU, the last goes to branch i's width without one.
 */
function fuseDown(scope: Scope, inC: number, outC: number, steps: number): ConvChain {
  const last = steps - 1;
  return new ConvChain(Array.from({ length: steps }, (_, k) => new ConvBn(scope.child(k), inC, k === last ? outC : inC, 3, 2, k !== last)));
}

/** timm HighResolutionModule: each branch runs its blocks, then every output is the ReLU of a sum over all branches. */
class HighResolutionModule {
  private readonly branches: Block[][];
  /** fuse[i][j]; empty for a single branch (nn.Identity). */
  private readonly fuse: FusePath[][] = [];
  readonly outChannels: number[];

  constructor(scope: Scope, cfg: StageCfg, inChannels: readonly number[]) {
    const n = cfg.numChannels.length;
    const branchScope = scope.child('branches');
    this.branches = cfg.numChannels.map((planes, i) => makeBlocks(cfg.block, branchScope.child(i), inChannels[i], planes, cfg.numBlocks[i]));
    this.outChannels = cfg.numChannels.map((c) => c * cfg.block.expansion);
    if (n === 1) return;
    const fuseScope = scope.child('fuse_layers');
    for (let i = 0; i < n; i++) {
      const row: FusePath[] = [];
      for (let j = 0; j < n; j++) {
        const s = fuseScope.child(i).child(j);
        if (j > i) row.push(new FuseUp(s, this.outChannels[j], this.outChannels[i], 2 ** (j - i)));
        else if (j === i) row.push(identityPath);
        else row.push(fuseDown(s, this.outChannels[j], this.outChannels[i], i - j));
      }
      this.fuse.push(row);
    }
  }

  forward<T>(ops: Ops<T>, xs: readonly T[]): T[] {
    const ys = xs.map((x, i) => ops.scope(() => runSequential(ops, x, this.branches[i])));
    if (!this.fuse.length) return ys;
    return this.fuse.map((row) => ops.scope(() => ops.activation(row.map((f, j) => f.forward(ops, ys[j])).reduce((a, b) => ops.add(a, b)), 'relu')));
  }
}

/**
 * timm's _make_transition_layer: per branch of the next stage, nn.Identity, a 3×3
 * conv + BN + ReLU where the width changes, or (a new branch) strided 3×3 units
 * from the previous stage's coarsest branch.
 */
function makeTransition(scope: Scope, pre: readonly number[], cur: readonly number[]): ConvChain[] {
  return cur.map((outC, i) => {
    const s = scope.child(i);
    if (i < pre.length) return new ConvChain(outC !== pre[i] ? [new ConvBn(s, pre[i], outC, 3, 1, true)] : []);
    const inC = pre[pre.length - 1];
    const steps = i + 1 - pre.length;
    return new ConvChain(Array.from({ length: steps }, (_, k) => new ConvBn(s.child(k), inC, k === steps - 1 ? outC : inC, 3, 2, true)));
  });
}

export class HighResolutionNet extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures = NUM_FEATURES;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly layer1: Block[];
  private readonly transitions: ConvChain[][] = [];
  private readonly stages: HighResolutionModule[][] = [];
  private readonly incre: Block[][];
  private readonly downsamp: ConvBn[];
  private readonly finalLayer: ConvBn;

  constructor(cfg: HrnetConfig, args: ModelArgs) {
    super();
    const r = this.root;
    this.conv1 = new Conv2d(r.child('conv1'), args.inChans, cfg.stemWidth, 3, { stride: 2, padding: 1 });
    this.bn1 = new BatchNorm2d(r.child('bn1'), cfg.stemWidth);
    this.conv2 = new Conv2d(r.child('conv2'), cfg.stemWidth, 64, 3, { stride: 2, padding: 1 });
    this.bn2 = new BatchNorm2d(r.child('bn2'), 64);

    const s1 = cfg.stages[0];
    this.layer1 = makeBlocks(s1.block, r.child('layer1'), 64, s1.numChannels[0], s1.numBlocks[0]);
    let pre = [s1.numChannels[0] * s1.block.expansion];
    cfg.stages.slice(1).forEach((sc, k) => {
      const cur = sc.numChannels.map((c) => c * sc.block.expansion);
      this.transitions.push(makeTransition(r.child(`transition${k + 1}`), pre, cur));
      const stageScope = r.child(`stage${k + 2}`);
      const modules: HighResolutionModule[] = [];
      let inChannels = cur;
      for (let m = 0; m < sc.numModules; m++) {
        const mod = new HighResolutionModule(stageScope.child(m), sc, inChannels);
        modules.push(mod);
        inChannels = mod.outChannels;
      }
      this.stages.push(modules);
      pre = inChannels;
    });

    // The classification head: incre_modules (one Bottleneck per branch), downsamp_modules, final_layer.
    this.incre = pre.map((c, i) => makeBlocks(bottleneck, r.child('incre_modules').child(i), c, HEAD_CHANNELS[i], 1));
    const headOut = HEAD_CHANNELS.map((c) => c * bottleneck.expansion);
    const bias = cfg.headConvBias ?? true;
    this.downsamp = headOut.slice(0, -1).map((c, i) => new ConvBn(r.child('downsamp_modules').child(i), c, headOut[i + 1], 3, 2, true, bias));
    this.finalLayer = new ConvBn(r.child('final_layer'), headOut[headOut.length - 1], NUM_FEATURES, 1, 1, true, bias);
    this.createHead('classifier', args.numClasses, args.globalPool);

    // timm's names: 'stem' and 'stage1'..'stage4' (not real module paths; timm says so too).
    this.featureInfo = [
      { numChs: cfg.stemWidth, reduction: 2, module: 'stem' },
      ...headOut.map((c, i) => ({ numChs: c, reduction: 4 * 2 ** i, module: `stage${i + 1}`, branch: i })),
    ];
  }

  /** timm raises inside the fuse layers when the branches' sizes do not line up; this says why, before any work. */
  private checkInputSize<T>(ops: Ops<T>, x: T): void {
    const { h, w } = ops.dims(x);
    assertInputFits(HRNET_INPUT_RULE, [h, w]);
  }

  /** layer1, then the transitions and HighResolutionModules of stages 2–4: the four branch outputs. */
  private trunk<T>(ops: Ops<T>, x: T): T[] {
    let ys = [ops.scope(() => runSequential(ops, x, this.layer1))];
    this.transitions.forEach((transition, k) => {
      const prev = ys;
      // As timm: a new (or re-widened) branch starts from the previous stage's last branch.
      const xs = transition.map((t, i) => (t.isIdentity ? prev[i] : ops.scope(() => t.forward(ops, prev[prev.length - 1]))));
      ys = this.stages[k].reduce((inputs, mod) => ops.scope(() => mod.forward(ops, inputs)), xs);
    });
    return ys;
  }

  /**
   * Level 0 is the stem's first ReLU; levels 1–4 are the four branches after their
   * incre module, which all need the whole trunk. A branch level's incre module runs
   * when that level is wanted (or the tap must see it on the way to a deeper one).
   */
  override forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[] {
    this.checkInputSize(ops, x);
    const deepest = Math.max(...levels);
    const found = new Map<number, T>();
    const stem = ops.scope(() => {
      const y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
      return tap ? tap(0, y) : y;
    });
    found.set(0, stem);
    if (deepest > 0) {
      const branches = ops.scope(() => this.trunk(ops, ops.activation(this.bn2.forward(ops, this.conv2.forward(ops, stem)), 'relu')));
      for (let b = 0; b < this.incre.length && b + 1 <= deepest; b++) {
        const level = b + 1;
        if (!tap && !levels.includes(level)) continue;
        found.set(
          level,
          ops.scope(() => {
            const y = runSequential(ops, branches[b], this.incre[b]);
            return tap ? tap(level, y) : y;
          }),
        );
      }
    }
    return levels.map((l) => found.get(l) as T);
  }

  /** timm's forward_features: the incre outputs (as tapped) summed fine to coarse through downsamp_modules, then final_layer. */
  override forwardFeatures<T>(ops: Ops<T>, x: T, tap?: LevelTap<T>): T {
    const branchLevels = this.incre.map((_, b) => b + 1);
    const ys = this.forwardLevels(ops, x, branchLevels, tap);
    return ops.scope(() => {
      let y = ys[0];
      for (let i = 1; i < ys.length; i++) y = ops.add(ys[i], this.downsamp[i - 1].forward(ops, y));
      return this.finalLayer.forward(ops, y);
    });
  }
}

const basic = (numModules: number, numBlocks: readonly number[], numChannels: readonly number[]): StageCfg => ({ numModules, block: basicBlock, numBlocks, numChannels });
const stem = (numBlocks: number, channels: number): StageCfg => ({ numModules: 1, block: bottleneck, numBlocks: [numBlocks], numChannels: [channels] });

/** hrnet_w18 … w64: the same layout, branch widths w, 2w, 4w, 8w. */
function wide(w: number): HrnetConfig {
  return {
    stemWidth: 64,
    stages: [stem(4, 64), basic(1, [4, 4], [w, 2 * w]), basic(4, [4, 4, 4], [w, 2 * w, 4 * w]), basic(3, [4, 4, 4, 4], [w, 2 * w, 4 * w, 8 * w])],
  };
}

function entry(name: string, cfg: HrnetConfig): ModelEntry {
  return {
    name,
    family: 'hrnet',
    create: (args) => new HighResolutionNet(cfg, args),
    // timm: assert output_stride == 32 (no dilation).
    outputStrides: [32],
    inputSizeRule: HRNET_INPUT_RULE,
    pretrained: pretrainedCfgs(name),
  };
}

export const hrnetEntries: ModelEntry[] = [
  entry('hrnet_w18_small', {
    stemWidth: 64,
    stages: [stem(1, 32), basic(1, [2, 2], [16, 32]), basic(1, [2, 2, 2], [16, 32, 64]), basic(1, [2, 2, 2, 2], [16, 32, 64, 128])],
  }),
  entry('hrnet_w18_small_v2', {
    stemWidth: 64,
    stages: [stem(2, 64), basic(1, [2, 2], [18, 36]), basic(3, [2, 2, 2], [18, 36, 72]), basic(2, [2, 2, 2, 2], [18, 36, 72, 144])],
  }),
  entry('hrnet_w18', wide(18)),
  entry('hrnet_w32', wide(32)),
];
