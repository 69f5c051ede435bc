/**
 * timm `mobilenetv3.py`: the MobileNetV3 class (conv_stem, bn1, blocks, then the "efficient
 * head": global pool → conv_head 1×1 → norm_head (V4) → act → flatten → classifier) and the
 * entrypoints built on it — MobileNet-V3 small / large, MobileNet-V4 conv small / medium /
 * large and PP-LCNet. Blocks and the stage builder are the shared EfficientNet layers; V4's
 * UniversalInvertedResidual plugs in from mobilenetv4Blocks.ts.
 *
 * timm's classifier class takes no output_stride (create_model raises TypeError for any
 * value); features_only builds timm's MobileNetV3Features, which takes one and dilates past
 * it. The entries say so with outputStrideArg 'featuresOnly'.
 *
 * Because the pool comes before conv_head, num_classes=0 with global_pool='' still runs
 * conv_head (and norm_head, act) at every position of the map, unflattened, as timm does.
 */
import type { Activation, Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { checkGlobalPool, type GlobalPoolType, type Head } from '../layers/classifier';
import { Linear } from '../layers/linear';
import { batchNormAct, createConv2d, squeezeExciteLayer, type ConvModule, type NormAct, type NormActFactory, type PadType, type SeLayerDef } from '../layers/efficientnetBlocks';
import { buildEfficientNetStages, decodeArchDef, featureLevelSteps, roundChannels, type ArchArgs, type BuiltStages } from '../layers/efficientnetBuilder';
import { MOBILENETV4_BLOCK_FACTORIES } from '../layers/mobilenetv4Blocks';

/** The MobileNetV3 constructor arguments that the registered entrypoints set. */
export interface MobileNetV3Config {
  blockArgs: ArchArgs;
  /** conv_head width (timm's num_features argument, the model's head_hidden_size). */
  headHiddenSize: number;
  stemSize: number;
  /** Do not round the stem width with roundChsFn. */
  fixStem: boolean;
  roundChsFn: (channels: number) => number;
  act: Activation;
  seLayer?: SeLayerDef;
  /** conv_head bias (timm head_bias, default true). */
  headBias?: boolean;
  /** MobileNet-V4: conv_head without bias, then norm_head (BatchNorm + act) instead of act2. */
  headNorm?: boolean;
  layerScaleInitValue?: number;
  padType?: PadType;
  bnEps?: number;
}

/** SelectAdaptivePool2d without its flatten: [N, C, 1, 1] (or [N, 2C, 1, 1] for catavgmax), the map itself for ''. */
function pool2d<T>(ops: Ops<T>, x: T, pool: GlobalPoolType): T {
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
      return ops.concatChannels([ops.globalAvgPool(x), ops.globalMaxPool(x)]);
  }
}

const featMult = (pool: GlobalPoolType) => (pool === 'catavgmax' ? 2 : 1);

interface HeadOptions {
  headBias: boolean;
  headNorm: boolean;
  act: Activation;
  normAct: NormActFactory;
  padType: PadType;
}

/**
 * timm MobileNetV3's head: global_pool, conv_head, norm_head, act2, flatten (only when
 * pooled), classifier. reset_classifier replaces the pool, flatten and classifier but keeps
 * conv_head, whose input width was fixed by the pool at creation.
 */
export class MobileNetV3Head implements Head {
  private readonly convHead: ConvModule;
  private readonly normHead?: NormAct;
  private classifier?: Linear;
  private readonly pooledChs: number;
  pool: GlobalPoolType;

  constructor(
    private readonly root: Scope,
    private readonly numFeatures: number,
    private readonly hiddenSize: number,
    public numClasses: number,
    pool: string,
    private readonly o: HeadOptions,
  ) {
    this.pool = checkGlobalPool(pool);
    this.pooledChs = numFeatures * featMult(this.pool);
    this.convHead = createConv2d(root.child('conv_head'), this.pooledChs, hiddenSize, 1, { padType: o.padType, bias: !o.headNorm && o.headBias });
    if (o.headNorm) this.normHead = o.normAct(root.child('norm_head'), hiddenSize, o.act);
    this.classifier = this.makeClassifier(numClasses);
  }

  private makeClassifier(numClasses: number): Linear | undefined {
    return numClasses > 0 ? new Linear(this.root.child('classifier').asHead(), this.hiddenSize, numClasses) : undefined;
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    let y = this.convHead.forward(ops, pool2d(ops, x, this.pool));
    y = this.normHead ? this.normHead.forward(ops, y) : ops.activation(y, this.o.act);
    if (this.pool !== '') y = ops.flatten(y);
    return preLogits || !this.classifier ? y : this.classifier.forward(ops, y);
  }

  reset(numClasses: number, globalPool: string): void {
    const pool = checkGlobalPool(globalPool);
    if (this.numFeatures * featMult(pool) !== this.pooledChs) {
      // timm would build it and then fail in conv_head on the first forward.
      throw new RangeError(`global_pool '${globalPool}' cannot replace '${this.pool}' here: conv_head takes ${this.pooledChs} pooled channels`);
    }
    if (numClasses > 0 && pool === '') throw new RangeError(`global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
    this.root.registry.removePrefix('classifier.');
    this.pool = pool;
    this.numClasses = numClasses;
    this.classifier = this.makeClassifier(numClasses);
  }
}

export class MobileNetV3 extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  /** conv_head's width: what forward_head(pre_logits=True) returns. */
  readonly headHiddenSize: number;
  private readonly convStem: ConvModule;
  private readonly bn1: NormAct;
  private readonly built: BuiltStages;

  constructor(cfg: MobileNetV3Config, args: ModelArgs) {
    super();
    const padType = cfg.padType ?? '';
    const normAct = batchNormAct(cfg.bnEps ?? 1e-5);
    const stemSize = cfg.fixStem ? cfg.stemSize : cfg.roundChsFn(cfg.stemSize);
    this.convStem = createConv2d(this.root.child('conv_stem'), args.inChans, stemSize, 3, { stride: 2, padType });
    this.bn1 = normAct(this.root.child('bn1'), stemSize, cfg.act);
    this.built = buildEfficientNetStages(this.root.child('blocks'), stemSize, cfg.blockArgs, {
      outputStride: args.outputStride,
      padType,
      roundChsFn: cfg.roundChsFn,
      seFromExp: true,
      act: cfg.act,
      normAct,
      seLayer: cfg.seLayer,
      layerScaleInitValue: cfg.layerScaleInitValue,
      featureLocation: 'bottleneck',
      blockFactories: MOBILENETV4_BLOCK_FACTORIES,
    });
    this.featureInfo = this.built.features.map((f) => ({ numChs: f.numChs, reduction: f.reduction, module: f.module }));
    this.numFeatures = this.built.outChs;
    this.headHiddenSize = cfg.headHiddenSize;
    this.head = new MobileNetV3Head(this.root, this.numFeatures, cfg.headHiddenSize, args.numClasses, args.globalPool, {
      headBias: cfg.headBias ?? true,
      headNorm: cfg.headNorm ?? false,
      act: cfg.act,
      normAct,
      padType,
    });
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return featureLevelSteps(ops, (x: T) => this.bn1.forward(ops, this.convStem.forward(ops, x)), this.built);
  }
}

/** timm _gen_mobilenet_v3 for the non-minimal small / large variants. */
function genMobilenetV3(size: 'small' | 'large', channelMultiplier: number): MobileNetV3Config {
  const archDef =
    size === 'small'
      ? [
          ['ds_r1_k3_s2_e1_c16_se0.25_nre'],
          ['ir_r1_k3_s2_e4.5_c24_nre', 'ir_r1_k3_s1_e3.67_c24_nre'],
          ['ir_r1_k5_s2_e4_c40_se0.25', 'ir_r2_k5_s1_e6_c40_se0.25'],
          ['ir_r2_k5_s1_e3_c48_se0.25'],
          ['ir_r3_k5_s2_e6_c96_se0.25'],
          ['cn_r1_k1_s1_c576'],
        ]
      : [
          ['ds_r1_k3_s1_e1_c16_nre'],
          ['ir_r1_k3_s2_e4_c24_nre', 'ir_r1_k3_s1_e3_c24_nre'],
          ['ir_r3_k5_s2_e3_c40_se0.25_nre'],
          ['ir_r1_k3_s2_e6_c80', 'ir_r1_k3_s1_e2.5_c80', 'ir_r2_k3_s1_e2.3_c80'],
          ['ir_r2_k3_s1_e6_c112_se0.25'],
          ['ir_r3_k5_s2_e6_c160_se0.25'],
          ['cn_r1_k1_s1_c960'],
        ];
  return {
    blockArgs: decodeArchDef(archDef),
    headHiddenSize: size === 'small' ? 1024 : 1280,
    stemSize: 16,
    fixStem: channelMultiplier < 0.75,
    roundChsFn: (c) => roundChannels(c, channelMultiplier),
    act: 'hardSwish',
    // rd_round_fn=round_channels: the SE width is made divisible by 8 (multiplier 1).
    seLayer: squeezeExciteLayer({ gate: 'hardSigmoid', forceAct: 'relu', rdRoundFn: (v) => roundChannels(v) }),
  };
}

/** timm _gen_lcnet: MobileNet-V1-like 'dsa' blocks with a MobileNet-V3 head. */
function genLcnet(channelMultiplier: number): MobileNetV3Config {
  const archDef = [
    ['dsa_r1_k3_s1_c32'],
    ['dsa_r2_k3_s2_c64'],
    ['dsa_r2_k3_s2_c128'],
    ['dsa_r1_k3_s2_c256', 'dsa_r1_k5_s1_c256'],
    ['dsa_r4_k5_s1_c256'],
    ['dsa_r2_k5_s2_c512_se0.25'],
  ];
  return {
    blockArgs: decodeArchDef(archDef),
    headHiddenSize: 1280,
    stemSize: 16,
    fixStem: false,
    roundChsFn: (c) => roundChannels(c, channelMultiplier),
    act: 'hardSwish',
    seLayer: squeezeExciteLayer({ gate: 'hardSigmoid', forceAct: 'relu' }),
  };
}

/** timm _gen_mobilenet_v4 for the conv (non-hybrid) variants: no attention blocks, no layer scale. */
function genMobilenetV4Conv(size: 'small' | 'medium' | 'large', channelMultiplier: number): MobileNetV3Config {
  const archDefs: Record<typeof size, string[][]> = {
    small: [
      ['cn_r1_k3_s2_e1_c32', 'cn_r1_k1_s1_e1_c32'],
      ['cn_r1_k3_s2_e1_c96', 'cn_r1_k1_s1_e1_c64'],
      ['uir_r1_a5_k5_s2_e3_c96', 'uir_r4_a0_k3_s1_e2_c96', 'uir_r1_a3_k0_s1_e4_c96'],
      ['uir_r1_a3_k3_s2_e6_c128', 'uir_r1_a5_k5_s1_e4_c128', 'uir_r1_a0_k5_s1_e4_c128', 'uir_r1_a0_k5_s1_e3_c128', 'uir_r2_a0_k3_s1_e4_c128'],
      ['cn_r1_k1_s1_c960'],
    ],
    medium: [
      ['er_r1_k3_s2_e4_c48'],
      ['uir_r1_a3_k5_s2_e4_c80', 'uir_r1_a3_k3_s1_e2_c80'],
      [
        'uir_r1_a3_k5_s2_e6_c160',
        'uir_r2_a3_k3_s1_e4_c160',
        'uir_r1_a3_k5_s1_e4_c160',
        'uir_r1_a3_k3_s1_e4_c160',
        'uir_r1_a3_k0_s1_e4_c160',
        'uir_r1_a0_k0_s1_e2_c160',
        'uir_r1_a3_k0_s1_e4_c160',
      ],
      [
        'uir_r1_a5_k5_s2_e6_c256',
        'uir_r1_a5_k5_s1_e4_c256',
        'uir_r2_a3_k5_s1_e4_c256',
        'uir_r1_a0_k0_s1_e4_c256',
        'uir_r1_a3_k0_s1_e4_c256',
        'uir_r1_a3_k5_s1_e2_c256',
        'uir_r1_a5_k5_s1_e4_c256',
        'uir_r2_a0_k0_s1_e4_c256',
        'uir_r1_a5_k0_s1_e2_c256',
      ],
      ['cn_r1_k1_s1_c960'],
    ],
    large: [
      ['er_r1_k3_s2_e4_c48'],
      ['uir_r1_a3_k5_s2_e4_c96', 'uir_r1_a3_k3_s1_e4_c96'],
      ['uir_r1_a3_k5_s2_e4_c192', 'uir_r3_a3_k3_s1_e4_c192', 'uir_r1_a3_k5_s1_e4_c192', 'uir_r5_a5_k3_s1_e4_c192', 'uir_r1_a3_k0_s1_e4_c192'],
      [
        'uir_r4_a5_k5_s2_e4_c512',
        'uir_r1_a5_k0_s1_e4_c512',
        'uir_r1_a5_k3_s1_e4_c512',
        'uir_r2_a5_k0_s1_e4_c512',
        'uir_r1_a5_k3_s1_e4_c512',
        'uir_r1_a5_k5_s1_e4_c512',
        'uir_r3_a5_k0_s1_e4_c512',
      ],
      ['cn_r1_k1_s1_c960'],
    ],
  };
  return {
    blockArgs: decodeArchDef(archDefs[size]),
    headHiddenSize: 1280,
    headBias: false,
    headNorm: true,
    stemSize: size === 'large' ? 24 : 32,
    fixStem: channelMultiplier < 1.0,
    roundChsFn: (c) => roundChannels(c, channelMultiplier),
    act: 'relu',
  };
}

/**
 * MobileNetV3Features' builder takes any output_stride: strides past it become dilation, so
 * a value between two powers of two acts as the lower one and anything below 2 as 2 (the stem
 * is never dilated). The port takes the powers of two that give distinct networks.
 */
const OUTPUT_STRIDES = [2, 4, 8, 16, 32] as const;

function entry(name: string, cfg: () => MobileNetV3Config): ModelEntry {
  return {
    name,
    family: 'mobilenet',
    create: (args) => new MobileNetV3(cfg(), args),
    outputStrides: OUTPUT_STRIDES,
    // create_model(name, output_stride=…) raises TypeError: only MobileNetV3Features takes it.
    outputStrideArg: 'featuresOnly',
    pretrained: pretrainedCfgs(name),
  };
}

export const mobilenetv3Entries: ModelEntry[] = [
  entry('mobilenetv3_small_075', () => genMobilenetV3('small', 0.75)),
  entry('mobilenetv3_small_100', () => genMobilenetV3('small', 1.0)),
  entry('mobilenetv3_large_075', () => genMobilenetV3('large', 0.75)),
  entry('mobilenetv3_large_100', () => genMobilenetV3('large', 1.0)),
  entry('mobilenetv4_conv_small', () => genMobilenetV4Conv('small', 1.0)),
  entry('mobilenetv4_conv_medium', () => genMobilenetV4Conv('medium', 1.0)),
  entry('mobilenetv4_conv_large', () => genMobilenetV4Conv('large', 1.0)),
  entry('lcnet_100', () => genLcnet(1.0)),
];
