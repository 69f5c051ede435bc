/**
 * timm `byobnet.py`: the "bring your own blocks" network — a model is a config (ByoModelCfg)
 * naming a stem, a list of stages (ByoBlockCfg: block type, depth, width, stride, group size,
 * bottleneck ratio), an optional 1×1 `final_conv` and timm's ClassifierHead (`head.fc`).
 *
 * Ported so far: what RepVGG (block 'rep', stem 'rep') and GERNet (blocks 'basic' and
 * 'bottle', a plain 3×3 stem) use. RepVGG runs its train-time form, as its weights are
 * stored: per block a k×k conv+BN, a 1×1 conv+BN and (where shapes allow) an identity BN,
 * summed, then ReLU. Further byobnet models add a block type to `blockTypes`, a stem to
 * `createStem` and a row to `modelCfgs`.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { ConvNormAct } from '../layers/convNormAct';
import { BatchNorm2d } from '../layers/norm';
import { makeDivisible } from '../layers/helpers';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** A group size, or timm's per-block rule (channels, block index) → group size. */
type GroupSize = number | ((chs: number, blockIdx: number) => number);

/** timm ByoBlockCfg: `d` blocks of one type with `c` output channels; the stage's first block has stride `s`. */
export interface ByoBlockCfg {
  type: BlockTypeName;
  d: number;
  c: number;
  /** Stride of the stage's first block (timm default 2). */
  s?: number;
  /** Group size of the blocks' grouped conv: 0 a plain conv, 1 depthwise (timm default None = 0). */
  gs?: GroupSize;
  /** Bottleneck ratio (timm default 1). */
  br?: number;
}

/** timm ByoModelCfg, the fields the ported models use (defaults as timm's). */
export interface ByoModelCfg {
  /** One entry per stage: a block cfg, or several run one after another. */
  blocks: ReadonlyArray<ByoBlockCfg | readonly ByoBlockCfg[]>;
  /** Shortcut projection: 'conv1x1' (timm default) or '' (no shortcut where shapes change). */
  downsample?: 'conv1x1' | '';
  /** timm default '3x3'. */
  stemType?: '3x3' | 'rep';
  /** timm default 'maxpool'; null for none. */
  stemPool?: 'maxpool' | null;
  /** timm default 32; 0 takes the first stage's width. */
  stemChs?: number;
  widthFactor?: number;
  /** Width of the 1×1 final_conv; 0 (timm default) for none. */
  numFeatures?: number;
}

/** What timm's create_byob_stages hands every block. */
interface BlockArgs {
  inChs: number;
  outChs: number;
  stride: number;
  /** [first conv's dilation, the stage's dilation]; they differ in the first block of a dilated stage. */
  dilation: readonly [number, number];
  groupSize: number;
  bottleRatio: number;
  downsample: 'conv1x1' | '';
}

interface Block {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** timm num_groups: 0 → one group, otherwise channels / group size (1 is depthwise). */
function numGroups(groupSize: number, channels: number): number {
  if (!groupSize) return 1;
  if (channels % groupSize) throw new Error(`byobnet: ${channels} channels are not divisible by group size ${groupSize}`);
  return channels / groupSize;
}

/**
 * timm create_shortcut: a 1×1 conv+BN projection where channels, stride or dilation change,
 * the identity otherwise; undefined when the downsample type is '' and a projection is needed.
 */
function createShortcut(scope: Scope, a: BlockArgs): ConvNormAct | 'identity' | undefined {
  if (a.inChs === a.outChs && a.stride === 1 && a.dilation[0] === a.dilation[1]) return 'identity';
  if (!a.downsample) return undefined;
  return new ConvNormAct(scope, a.inChs, a.outChs, 1, { stride: a.stride, dilation: a.dilation[0], act: 'identity' });
}

function addShortcut<T>(ops: Ops<T>, y: T, x: T, shortcut: ConvNormAct | 'identity' | undefined): T {
  if (shortcut === undefined) return y;
  return ops.add(y, shortcut === 'identity' ? x : shortcut.forward(ops, x));
}

/**
 * timm RepVggBlock (train-time form): conv_kxk (k×k conv+BN) + conv_1x1 (1×1 conv+BN, same
 * stride, no dilation) + identity (a BatchNorm of the input, only where the block keeps the
 * shape), then ReLU. The three branches are linear, so they fold into one k×k conv at
 * inference (timm's reparameterize); the weights hold the branches.
 */
class RepVggBlock implements Block {
  private readonly identity?: BatchNorm2d;
  private readonly convKxk: ConvNormAct;
  private readonly conv1x1: ConvNormAct;

  constructor(scope: Scope, a: BlockArgs, kernel = 3) {
    const groups = numGroups(a.groupSize, a.inChs);
    if (a.inChs === a.outChs && a.stride === 1 && a.dilation[0] === a.dilation[1]) {
      this.identity = new BatchNorm2d(scope.child('identity'), a.outChs);
    }
    this.convKxk = new ConvNormAct(scope.child('conv_kxk'), a.inChs, a.outChs, kernel, { stride: a.stride, dilation: a.dilation[0], groups, act: 'identity' });
    this.conv1x1 = new ConvNormAct(scope.child('conv_1x1'), a.inChs, a.outChs, 1, { stride: a.stride, groups, act: 'identity' });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = ops.add(this.conv1x1.forward(ops, x), this.convKxk.forward(ops, x));
    if (this.identity) y = ops.add(y, this.identity.forward(ops, x));
    return ops.activation(y, 'relu');
  }
}

/** timm BasicBlock: conv1_kxk (strided, ReLU) → conv2_kxk (grouped, no act), + shortcut, ReLU. */
class BasicBlock implements Block {
  private readonly shortcut: ConvNormAct | 'identity' | undefined;
  private readonly conv1: ConvNormAct;
  private readonly conv2: ConvNormAct;

  constructor(scope: Scope, a: BlockArgs, kernel = 3) {
    const midChs = makeDivisible(a.outChs * a.bottleRatio);
    const groups = numGroups(a.groupSize, midChs);
    this.shortcut = createShortcut(scope.child('shortcut'), a);
    this.conv1 = new ConvNormAct(scope.child('conv1_kxk'), a.inChs, midChs, kernel, { stride: a.stride, dilation: a.dilation[0] });
    this.conv2 = new ConvNormAct(scope.child('conv2_kxk'), midChs, a.outChs, kernel, { dilation: a.dilation[1], groups, act: 'identity' });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv2.forward(ops, this.conv1.forward(ops, x));
    return ops.activation(addShortcut(ops, y, x, this.shortcut), 'relu');
  }
}

/** timm BottleneckBlock: conv1_1x1 → conv2_kxk (strided, grouped) → conv3_1x1 (no act), + shortcut, ReLU. */
class BottleneckBlock implements Block {
  private readonly shortcut: ConvNormAct | 'identity' | undefined;
  private readonly conv1: ConvNormAct;
  private readonly conv2: ConvNormAct;
  private readonly conv3: ConvNormAct;

  constructor(scope: Scope, a: BlockArgs, kernel = 3) {
    const midChs = makeDivisible(a.outChs * a.bottleRatio);
    const groups = numGroups(a.groupSize, midChs);
    this.shortcut = createShortcut(scope.child('shortcut'), a);
    this.conv1 = new ConvNormAct(scope.child('conv1_1x1'), a.inChs, midChs, 1);
    this.conv2 = new ConvNormAct(scope.child('conv2_kxk'), midChs, midChs, kernel, { stride: a.stride, dilation: a.dilation[0], groups });
    this.conv3 = new ConvNormAct(scope.child('conv3_1x1'), midChs, a.outChs, 1, { act: 'identity' });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv3.forward(ops, this.conv2.forward(ops, this.conv1.forward(ops, x)));
    return ops.activation(addShortcut(ops, y, x, this.shortcut), 'relu');
  }
}

/** timm's _block_registry, for the block types ported so far. */
const blockTypes = {
  rep: (scope: Scope, a: BlockArgs): Block => new RepVggBlock(scope, a),
  basic: (scope: Scope, a: BlockArgs): Block => new BasicBlock(scope, a),
  bottle: (scope: Scope, a: BlockArgs): Block => new BottleneckBlock(scope, a),
} as const;
type BlockTypeName = keyof typeof blockTypes;

/** timm create_byob_stem for the stems ported so far; every one is a single level at reduction 2 named 'stem'. */
function createStem(scope: Scope, cfg: ByoModelCfg, inChans: number, outChs: number): Block {
  const stemType = cfg.stemType ?? '3x3';
  if (stemType === 'rep') {
    return new RepVggBlock(scope, { inChs: inChans, outChs, stride: 2, dilation: [1, 1], groupSize: 0, bottleRatio: 1, downsample: '' });
  }
  // '3x3' with a pool is timm's Stem (conv + pool, two feature levels) — not ported yet.
  if ((cfg.stemPool === undefined ? 'maxpool' : cfg.stemPool) !== null) throw new Error(`byobnet: stem '${stemType}' with a pool is not ported`);
  return new ConvNormAct(scope, inChans, outChs, 3, { stride: 2 });
}

/** One timm feature level: what runs from the previous level to it. */
interface LevelPlan {
  info: FeatureLevelInfo;
  stem: boolean;
  stages: number[];
  finalConv: boolean;
}

export class ByobNet extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) → ClassifierHead.reset keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: Block;
  private readonly stages: Block[][] = [];
  private readonly finalConv?: ConvNormAct;
  private readonly levels: LevelPlan[] = [];

  constructor(cfg: ByoModelCfg, args: ModelArgs) {
    super();
    const widthFactor = cfg.widthFactor ?? 1;
    const stageCfgs = cfg.blocks.map((s) => (Array.isArray(s) ? s : [s]) as readonly ByoBlockCfg[]);
    const stemChs = Math.round((cfg.stemChs === undefined ? 32 : cfg.stemChs || stageCfgs[0][0].c) * widthFactor);
    this.stem = createStem(this.root.child('stem'), cfg, args.inChans, stemChs);

    // timm create_byob_stages: a level closes before every strided stage; once the stride
    // reaches output_stride, strides become dilation (the stage's first block keeps at most 2).
    let prevLevel: LevelPlan = { info: { numChs: stemChs, reduction: 2, module: 'stem' }, stem: true, stages: [], finalConv: false };
    let netStride = 2;
    let dilation = 1;
    let prevChs = stemChs;
    const stagesScope = this.root.child('stages');
    stageCfgs.forEach((blockCfgs, stageIdx) => {
      let stride = blockCfgs[0].s ?? 2;
      if (stride !== 1) {
        this.levels.push(prevLevel);
        prevLevel = { ...prevLevel, stem: false, stages: [] };
      }
      if (netStride >= args.outputStride && stride > 1) {
        dilation *= stride;
        stride = 1;
      }
      netStride *= stride;
      let firstDilation = dilation === 1 || dilation === 2 ? 1 : 2;
      const blocks: Block[] = [];
      const stageScope = stagesScope.child(stageIdx);
      // timm expand_blocks_cfg: d copies of each block cfg; the block index counts through the stage.
      const expanded = blockCfgs.flatMap((bc) => Array.from({ length: bc.d }, () => bc));
      expanded.forEach((bc, blockIdx) => {
        const outChs = makeDivisible(bc.c * widthFactor);
        const gs = typeof bc.gs === 'function' ? bc.gs(outChs, blockIdx) : (bc.gs ?? 0);
        blocks.push(
          blockTypes[bc.type](stageScope.child(blockIdx), {
            inChs: prevChs,
            outChs,
            stride: blockIdx === 0 ? stride : 1,
            dilation: [firstDilation, dilation],
            groupSize: gs,
            bottleRatio: bc.br ?? 1,
            downsample: cfg.downsample ?? 'conv1x1',
          }),
        );
        firstDilation = dilation;
        prevChs = outChs;
      });
      this.stages.push(blocks);
      prevLevel.stages.push(stageIdx);
      prevLevel.info = { numChs: prevChs, reduction: netStride, module: `stages.${stageIdx}` };
    });

    // The deepest level is final_conv (timm lists it even where it is the identity).
    if (cfg.numFeatures) {
      this.numFeatures = Math.round(widthFactor * cfg.numFeatures);
      this.finalConv = new ConvNormAct(this.root.child('final_conv'), prevChs, this.numFeatures, 1);
    } else {
      this.numFeatures = prevChs;
    }
    this.levels.push({ ...prevLevel, info: { numChs: this.numFeatures, reduction: netStride, module: 'final_conv' }, finalConv: true });
    this.featureInfo = this.levels.map((l) => l.info);
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.levels.map((level) => (x: T): T => {
      let y = level.stem ? this.stem.forward(ops, x) : x;
      for (const s of level.stages) {
        for (const block of this.stages[s]) {
          const input = y;
          y = ops.scope(() => block.forward(ops, input));
        }
      }
      return level.finalConv && this.finalConv ? this.finalConv.forward(ops, y) : y;
    });
  }
}

/** timm _rep_vgg_bcfg: four stages of 'rep' blocks, widths 64/128/256/512 scaled per stage. */
function repVggBlocks(depths: readonly number[], wf: readonly number[]): ByoBlockCfg[] {
  const widths = [64, 128, 256, 512];
  return depths.map((d, i) => ({ type: 'rep', d, c: widths[i] * wf[i], gs: 0 }));
}

/** timm model_cfgs, for the registered entrypoints. */
export const modelCfgs: Record<string, ByoModelCfg> = {
  gernet_l: {
    blocks: [
      { type: 'basic', d: 1, c: 128, s: 2, gs: 0, br: 1 },
      { type: 'basic', d: 2, c: 192, s: 2, gs: 0, br: 1 },
      { type: 'bottle', d: 6, c: 640, s: 2, gs: 0, br: 1 / 4 },
      { type: 'bottle', d: 5, c: 640, s: 2, gs: 1, br: 3 },
      { type: 'bottle', d: 4, c: 640, s: 1, gs: 1, br: 3 },
    ],
    stemChs: 32,
    stemPool: null,
    numFeatures: 2560,
  },
  gernet_m: {
    blocks: [
      { type: 'basic', d: 1, c: 128, s: 2, gs: 0, br: 1 },
      { type: 'basic', d: 2, c: 192, s: 2, gs: 0, br: 1 },
      { type: 'bottle', d: 6, c: 640, s: 2, gs: 0, br: 1 / 4 },
      { type: 'bottle', d: 4, c: 640, s: 2, gs: 1, br: 3 },
      { type: 'bottle', d: 1, c: 640, s: 1, gs: 1, br: 3 },
    ],
    stemChs: 32,
    stemPool: null,
    numFeatures: 2560,
  },
  gernet_s: {
    blocks: [
      { type: 'basic', d: 1, c: 48, s: 2, gs: 0, br: 1 },
      { type: 'basic', d: 3, c: 48, s: 2, gs: 0, br: 1 },
      { type: 'bottle', d: 7, c: 384, s: 2, gs: 0, br: 1 / 4 },
      { type: 'bottle', d: 2, c: 560, s: 2, gs: 1, br: 3 },
      { type: 'bottle', d: 1, c: 256, s: 1, gs: 1, br: 3 },
    ],
    stemChs: 13,
    stemPool: null,
    numFeatures: 1920,
  },
  repvgg_a0: { blocks: repVggBlocks([2, 4, 14, 1], [0.75, 0.75, 0.75, 2.5]), stemType: 'rep', stemChs: 48 },
  repvgg_a1: { blocks: repVggBlocks([2, 4, 14, 1], [1, 1, 1, 2.5]), stemType: 'rep', stemChs: 64 },
  repvgg_a2: { blocks: repVggBlocks([2, 4, 14, 1], [1.5, 1.5, 1.5, 2.75]), stemType: 'rep', stemChs: 64 },
  repvgg_b0: { blocks: repVggBlocks([4, 6, 16, 1], [1, 1, 1, 2.5]), stemType: 'rep', stemChs: 64 },
  repvgg_b1: { blocks: repVggBlocks([4, 6, 16, 1], [2, 2, 2, 4]), stemType: 'rep', stemChs: 64 },
};

/**
 * timm's ByobNet takes any output_stride: strides past it become dilation, so a value between
 * two powers of two acts as the lower one, anything above 32 as 32 and anything below 4 runs
 * every stage at the stem's stride 2. The port takes the powers of two from 4 to 32 (as
 * efficientnet.ts does): 2 would run every stage at half the input size.
 */
const OUTPUT_STRIDES = [4, 8, 16, 32] as const;

/**
 * gernet_m and gernet_l: below stride 32, timm's first_dilation reset gives the last stage's
 * first block (640 → 640, stride 1) dilations (1, 2) and with them a projection shortcut
 * (`stages.4.0.shortcut.*`) that the model at stride 32 — and so every pretrained checkpoint —
 * does not have; timm's strict load of those weights fails. Only 32 is offered.
 */
const STRIDE_32_ONLY = new Set(['gernet_m', 'gernet_l']);

function entry(name: string): ModelEntry {
  return {
    name,
    family: 'byobnet',
    create: (args) => new ByobNet(modelCfgs[name], args),
    outputStrides: STRIDE_32_ONLY.has(name) ? [32] : OUTPUT_STRIDES,
    pretrained: pretrainedCfgs(name),
  };
}

export const byobnetEntries: ModelEntry[] = ['repvgg_a0', 'repvgg_a1', 'repvgg_a2', 'repvgg_b0', 'repvgg_b1', 'gernet_s', 'gernet_m', 'gernet_l'].map(entry);
