/**
 * timm `hgnet.py`, the PP-HGNetV2 models (hgnetv2_b0…b5, RT-DETR's backbone): a
 * stem that runs a strided 3×3, then a 2×2 conv pair beside a 2×2 max pool and
 * concatenates them; four stages of HG blocks, each a chain of convs whose every
 * output (and the block input) is concatenated once and squeezed back by two 1×1
 * convs; a depthwise strided 3×3 between stages. b0–b3 put a LearnableAffineBlock
 * (one learnt scale and bias for the whole map) after every activation.
 */
import type { Activation, Ops, ParamRef } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { Linear } from '../layers/linear';
import { checkGlobalPool, type GlobalPoolType, type Head } from '../layers/classifier';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** One stage of timm's model_cfgs: [in_chs, mid_chs, out_chs, blocks, downsample, light_block, kernel_size, layer_num]. */
export interface HgStageConfig {
  inChs: number;
  midChs: number;
  outChs: number;
  blocks: number;
  downsample: boolean;
  lightBlock: boolean;
  kernel: number;
  layers: number;
}

export interface HgNetConfig {
  /** StemV2's [mid_chs, out_chs]. */
  stemChs: readonly [number, number];
  stages: readonly [HgStageConfig, HgStageConfig, HgStageConfig, HgStageConfig];
  /** A LearnableAffineBlock after every activation (timm's use_lab: b0–b3). */
  useLab: boolean;
}

/** timm's head_hidden_size: the width of head.last_conv, what pre_logits returns. */
const HEAD_HIDDEN_SIZE = 2048;

interface Layer {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** LearnableAffineBlock: `scale * x + bias`, both learnt [1]-shaped scalars. */
class LearnableAffine implements Layer {
  private readonly scale: ParamRef;
  private readonly bias: ParamRef;

  constructor(scope: Scope) {
    this.scale = scope.param('scale', [1]);
    this.bias = scope.param('bias', [1]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.affine(x, this.scale, this.bias);
  }
}

interface ConvBnActOptions {
  stride?: number;
  groups?: number;
  /** ReLU after the BatchNorm (and then the affine block when use_lab); default true. */
  act?: boolean;
  useLab: boolean;
}

/** hgnet's ConvBNAct: conv (torch-style symmetric padding, no bias) → BatchNorm → ReLU → LearnableAffineBlock. */
class ConvBnAct implements Layer {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;
  private readonly act: Activation;
  /** Only where there is an activation: timm keeps lab an Identity for use_act=False. */
  private readonly lab?: LearnableAffine;

  constructor(scope: Scope, inChs: number, outChs: number, kernel: number, o: ConvBnActOptions) {
    this.conv = new Conv2d(scope.child('conv'), inChs, outChs, kernel, { stride: o.stride ?? 1, groups: o.groups ?? 1 });
    this.bn = new BatchNorm2d(scope.child('bn'), outChs);
    const act = o.act ?? true;
    this.act = act ? 'relu' : 'identity';
    if (act && o.useLab) this.lab = new LearnableAffine(scope.child('lab'));
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = ops.activation(this.bn.forward(ops, this.conv.forward(ops, x)), this.act);
    return this.lab ? this.lab.forward(ops, y) : y;
  }
}

/** LightConvBNAct: a 1×1 conv (no activation), then a depthwise k×k conv with one. */
class LightConvBnAct implements Layer {
  private readonly conv1: ConvBnAct;
  private readonly conv2: ConvBnAct;

  constructor(scope: Scope, inChs: number, outChs: number, kernel: number, useLab: boolean) {
    this.conv1 = new ConvBnAct(scope.child('conv1'), inChs, outChs, 1, { act: false, useLab });
    this.conv2 = new ConvBnAct(scope.child('conv2'), outChs, outChs, kernel, { groups: outChs, useLab });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.conv2.forward(ops, this.conv1.forward(ops, x));
  }
}

/**
 * StemV2: a 3×3/2 conv; then, on its output padded by one row and column at the
 * bottom and right, two 2×2 convs (the second on a padded map again) beside a 2×2/1
 * max pool; their concatenation goes through a 3×3/2 conv and a 1×1 conv (stride 4).
 */
class StemV2 implements Layer {
  private readonly stem1: ConvBnAct;
  private readonly stem2a: ConvBnAct;
  private readonly stem2b: ConvBnAct;
  private readonly stem3: ConvBnAct;
  private readonly stem4: ConvBnAct;

  constructor(scope: Scope, inChs: number, midChs: number, outChs: number, useLab: boolean) {
    this.stem1 = new ConvBnAct(scope.child('stem1'), inChs, midChs, 3, { stride: 2, useLab });
    this.stem2a = new ConvBnAct(scope.child('stem2a'), midChs, midChs / 2, 2, { useLab });
    this.stem2b = new ConvBnAct(scope.child('stem2b'), midChs / 2, midChs, 2, { useLab });
    this.stem3 = new ConvBnAct(scope.child('stem3'), midChs * 2, midChs, 3, { stride: 2, useLab });
    this.stem4 = new ConvBnAct(scope.child('stem4'), midChs, outChs, 1, { useLab });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    // F.pad(x, (0, 1, 0, 1)): zeros after the last column and the last row.
    const padEnd = (v: T) => ops.pad2d(v, [0, 1, 0, 1]);
    const y = padEnd(this.stem1.forward(ops, x));
    const branch = this.stem2b.forward(ops, padEnd(this.stem2a.forward(ops, y)));
    // The pool sees the zero padding too (it is part of the map by then); stride 1, so ceil_mode changes nothing.
    const pooled = ops.maxPool2d(y, { kernel: [2, 2], stride: [1, 1], padding: [0, 0], ceilMode: true });
    return this.stem4.forward(ops, this.stem3.forward(ops, ops.concatChannels([pooled, branch])));
  }
}

/**
 * HighPerfGpuBlock (HG block): layer_num convs in a chain; the block input and every
 * conv's output are concatenated, then squeezed to out_chs / 2 and excited back to
 * out_chs by two 1×1 ConvBNActs (timm's agg='se', used by every V2 model). Every
 * block but a stage's first adds its input back.
 */
class HgBlock implements Layer {
  private readonly layers: Layer[] = [];
  private readonly aggregation: ConvBnAct[];

  constructor(scope: Scope, inChs: number, cfg: HgStageConfig, private readonly residual: boolean, useLab: boolean) {
    const layersScope = scope.child('layers');
    for (let i = 0; i < cfg.layers; i++) {
      const c = i === 0 ? inChs : cfg.midChs;
      this.layers.push(
        cfg.lightBlock
          ? new LightConvBnAct(layersScope.child(i), c, cfg.midChs, cfg.kernel, useLab)
          : new ConvBnAct(layersScope.child(i), c, cfg.midChs, cfg.kernel, { useLab }),
      );
    }
    const agg = scope.child('aggregation');
    const totalChs = inChs + cfg.layers * cfg.midChs;
    this.aggregation = [
      new ConvBnAct(agg.child(0), totalChs, cfg.outChs / 2, 1, { useLab }),
      new ConvBnAct(agg.child(1), cfg.outChs / 2, cfg.outChs, 1, { useLab }),
    ];
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const parts: T[] = [x];
    let y = x;
    for (const layer of this.layers) {
      y = layer.forward(ops, y);
      parts.push(y);
    }
    y = runSequential<T>(ops, ops.concatChannels(parts), this.aggregation);
    // Drop path is the identity in eval.
    return this.residual ? ops.add(y, x) : y;
  }
}

/** HighPerfGpuStage: an optional depthwise 3×3/2 ConvBN (no activation), then HG blocks. */
class HgStage implements Layer {
  private readonly downsample?: ConvBnAct;
  private readonly blocks: HgBlock[] = [];

  constructor(scope: Scope, cfg: HgStageConfig, useLab: boolean) {
    if (cfg.downsample) {
      this.downsample = new ConvBnAct(scope.child('downsample'), cfg.inChs, cfg.inChs, 3, { stride: 2, groups: cfg.inChs, act: false, useLab });
    }
    const blocksScope = scope.child('blocks');
    for (let i = 0; i < cfg.blocks; i++) {
      this.blocks.push(new HgBlock(blocksScope.child(i), i === 0 ? cfg.inChs : cfg.outChs, cfg, i > 0, useLab));
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.downsample ? this.downsample.forward(ops, x) : x;
    return runSequential<T>(ops, y, this.blocks);
  }
}

/** SelectAdaptivePool2d(flatten=False): the pooled map stays [N, C, 1, 1] for last_conv. */
function poolKeepDims<T>(ops: Ops<T>, x: T, pool: GlobalPoolType): T {
  switch (pool) {
    case '':
      return x;
    case 'avg':
      return ops.globalAvgPool(x);
    case 'max':
      return ops.globalMaxPool(x);
    case 'avgmax':
      return ops.scale(ops.add(ops.globalAvgPool(x), ops.globalMaxPool(x)), 0.5);
    case 'catavgmax':
      throw new RangeError("global_pool 'catavgmax' is not supported by HGNet");
  }
}

/** timm builds a catavgmax head and then fails in last_conv (it takes num_features channels, not twice that). */
function checkHeadPool(globalPool: string): GlobalPoolType {
  const pool = checkGlobalPool(globalPool);
  if (pool === 'catavgmax') {
    throw new RangeError(
      "global_pool 'catavgmax' cannot feed HGNet's head.last_conv (it takes num_features channels; timm fails on the first forward); allowed: 'avg', 'max', 'avgmax', ''",
    );
  }
  return pool;
}

/**
 * hgnet's ClassifierHead: global pool (kept [N, C, 1, 1]) → 1×1 conv 'last_conv' to
 * head_hidden_size, no bias → ReLU → (LearnableAffineBlock) → dropout → flatten (not
 * when unpooled) → fc. last_conv stays with num_classes=0 and on reset_classifier;
 * unpooled, it runs on every position of the map.
 */
class HgNetHead implements Head {
  private readonly lastConv: Conv2d;
  private readonly lab?: LearnableAffine;
  private fc?: Linear;
  pool: GlobalPoolType;

  constructor(
    private readonly scope: Scope,
    numFeatures: number,
    private readonly hiddenSize: number,
    public numClasses: number,
    globalPool: string,
    useLab: boolean,
  ) {
    this.pool = checkHeadPool(globalPool);
    if (numClasses > 0 && this.pool === '') throw new RangeError(`global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
    const lastConv = scope.child('last_conv');
    this.lastConv = new Conv2d(lastConv.child(0), numFeatures, hiddenSize, 1);
    if (useLab) this.lab = new LearnableAffine(lastConv.child(2));
    this.fc = this.makeFc(numClasses);
  }

  private makeFc(numClasses: number): Linear | undefined {
    return numClasses > 0 ? new Linear(this.scope.child('fc').asHead(), this.hiddenSize, numClasses) : undefined;
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    let y = ops.activation(this.lastConv.forward(ops, poolKeepDims(ops, x, this.pool)), 'relu');
    if (this.lab) y = this.lab.forward(ops, y);
    // Dropout is the identity in eval.
    if (this.pool !== '') y = ops.flatten(y);
    return preLogits || !this.fc ? y : this.fc.forward(ops, y);
  }

  reset(numClasses: number, globalPool: string): void {
    const pool = checkHeadPool(globalPool);
    if (numClasses > 0 && pool === '') throw new RangeError(`global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
    this.scope.registry.removePrefix(`${this.scope.prefix}.fc.`);
    this.pool = pool;
    this.numClasses = numClasses;
    this.fc = this.makeFc(numClasses);
  }
}

export class HighPerfGpuNet extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  /** head.last_conv's width: what forward_head(pre_logits=True) returns. */
  readonly headHiddenSize = HEAD_HIDDEN_SIZE;
  private readonly stem: StemV2;
  private readonly stages: HgStage[] = [];

  constructor(cfg: HgNetConfig, args: ModelArgs) {
    super();
    // timm's HighPerfGpuNet has no output_stride: it lands in **kwargs and is ignored (the stride is always 32).
    const [stemMid, stemOut] = cfg.stemChs;
    this.stem = new StemV2(this.root.child('stem'), args.inChans, stemMid, stemOut, cfg.useLab);
    let stride = 4;
    cfg.stages.forEach((s, i) => {
      this.stages.push(new HgStage(this.root.child('stages').child(i), s, cfg.useLab));
      if (s.downsample) stride *= 2;
      this.featureInfo.push({ numChs: s.outChs, reduction: stride, module: `stages.${i}` });
    });
    this.numFeatures = cfg.stages[3].outChs;
    this.head = new HgNetHead(this.root.child('head'), this.numFeatures, HEAD_HIDDEN_SIZE, args.numClasses, args.globalPool, cfg.useLab);
  }

  /** The stem is no feature level: it runs in stage 0's step. */
  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.stages.map((stage, i) => (x: T) => stage.forward(ops, i === 0 ? this.stem.forward(ops, x) : x));
  }
}

type StageRow = readonly [number, number, number, number, boolean, boolean, number, number];

const stage = ([inChs, midChs, outChs, blocks, downsample, lightBlock, kernel, layers]: StageRow): HgStageConfig => ({
  inChs,
  midChs,
  outChs,
  blocks,
  downsample,
  lightBlock,
  kernel,
  layers,
});

function entry(name: string, stemChs: readonly [number, number], rows: readonly [StageRow, StageRow, StageRow, StageRow], useLab: boolean): ModelEntry {
  const cfg: HgNetConfig = { stemChs, stages: [stage(rows[0]), stage(rows[1]), stage(rows[2]), stage(rows[3])], useLab };
  return {
    name,
    family: 'hgnet',
    create: (args) => new HighPerfGpuNet(cfg, args),
    // timm ignores any output_stride given (it is swallowed by **kwargs); 16 or 8 are refused here
    // rather than silently built at stride 32.
    outputStrides: [32],
    pretrained: pretrainedCfgs(name),
  };
}

// Rows as timm's model_cfgs: in_chs, mid_chs, out_chs, blocks, downsample, light_block, kernel_size, layer_num.
export const hgnetEntries: ModelEntry[] = [
  entry('hgnetv2_b0', [16, 16], [[16, 16, 64, 1, false, false, 3, 3], [64, 32, 256, 1, true, false, 3, 3], [256, 64, 512, 2, true, true, 5, 3], [512, 128, 1024, 1, true, true, 5, 3]], true),
  entry('hgnetv2_b1', [24, 32], [[32, 32, 64, 1, false, false, 3, 3], [64, 48, 256, 1, true, false, 3, 3], [256, 96, 512, 2, true, true, 5, 3], [512, 192, 1024, 1, true, true, 5, 3]], true),
  entry('hgnetv2_b2', [24, 32], [[32, 32, 96, 1, false, false, 3, 4], [96, 64, 384, 1, true, false, 3, 4], [384, 128, 768, 3, true, true, 5, 4], [768, 256, 1536, 1, true, true, 5, 4]], true),
  entry('hgnetv2_b3', [24, 32], [[32, 32, 128, 1, false, false, 3, 5], [128, 64, 512, 1, true, false, 3, 5], [512, 128, 1024, 3, true, true, 5, 5], [1024, 256, 2048, 1, true, true, 5, 5]], true),
  entry('hgnetv2_b4', [32, 48], [[48, 48, 128, 1, false, false, 3, 6], [128, 96, 512, 1, true, false, 3, 6], [512, 192, 1024, 3, true, true, 5, 6], [1024, 384, 2048, 1, true, true, 5, 6]], false),
  entry('hgnetv2_b5', [32, 64], [[64, 64, 128, 1, false, false, 3, 6], [128, 128, 512, 2, true, false, 3, 6], [512, 256, 1024, 5, true, true, 5, 6], [1024, 512, 2048, 2, true, true, 5, 6]], false),
];
