/**
 * timm `efficientnet.py`: the EfficientNet class (conv_stem, bn1, blocks, conv_head, bn2,
 * classifier) and the entrypoints built on it — EfficientNet B0–B7 (PyTorch and `tf_` ports),
 * EfficientNet-V2, MobileNet-V2, MixNet, MnasNet, FBNet-C. Blocks and the stage builder are
 * shared layers (efficientnetBlocks.ts, efficientnetBuilder.ts).
 *
 * features_only is timm's EfficientNetFeatures with its default 'bottleneck' location: the
 * builder's feature_info levels (every stage end before a stride, and the last), no conv_head.
 * forward_features goes on through conv_head + bn2, so it is not the deepest feature level.
 *
 * `tf_` models use BatchNorm eps 1e-3 and TF 'same' padding, as timm's entrypoints set them.
 */
import type { Activation, Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { batchNormAct, createConv2d, type ConvModule, type NormAct, type PadType } from '../layers/efficientnetBlocks';
import { buildEfficientNetStages, decodeArchDef, featureLevelSteps, roundChannels, type ArchArgs, type BuiltStages, type DecodeOptions } from '../layers/efficientnetBuilder';

/** timm's BN_EPS_TF_DEFAULT. */
const BN_EPS_TF = 1e-3;

/** The EfficientNet constructor arguments that the registered entrypoints set. */
export interface EfficientNetConfig {
  blockArgs: ArchArgs;
  /** conv_head width; 0 for none (forward_features then ends at the last block). */
  numFeatures: number;
  stemSize: number;
  stemKernelSize?: number;
  /** Do not round the stem width with roundChsFn. */
  fixStem?: boolean;
  roundChsFn: (channels: number) => number;
  act: Activation;
  padType?: PadType;
  bnEps?: number;
}

class ConvNorm {
  constructor(
    private readonly conv: ConvModule,
    private readonly bn: NormAct,
  ) {}

  forward<T>(ops: Ops<T>, x: T): T {
    return this.bn.forward(ops, this.conv.forward(ops, x));
  }
}

export class EfficientNet extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: ConvNorm;
  private readonly built: BuiltStages;
  private readonly convHead?: ConvNorm;

  constructor(cfg: EfficientNetConfig, args: ModelArgs) {
    super();
    const padType = cfg.padType ?? '';
    const normAct = batchNormAct(cfg.bnEps ?? 1e-5);
    const stemSize = cfg.fixStem ? cfg.stemSize : cfg.roundChsFn(cfg.stemSize);
    this.stem = new ConvNorm(
      createConv2d(this.root.child('conv_stem'), args.inChans, stemSize, cfg.stemKernelSize ?? 3, { stride: 2, padType }),
      normAct(this.root.child('bn1'), stemSize, cfg.act),
    );
    this.built = buildEfficientNetStages(this.root.child('blocks'), stemSize, cfg.blockArgs, {
      outputStride: args.outputStride,
      padType,
      roundChsFn: cfg.roundChsFn,
      act: cfg.act,
      normAct,
      featureLocation: 'bottleneck',
    });
    this.featureInfo = this.built.features.map((f) => ({ numChs: f.numChs, reduction: f.reduction, module: f.module }));
    if (cfg.numFeatures > 0) {
      this.convHead = new ConvNorm(
        createConv2d(this.root.child('conv_head'), this.built.outChs, cfg.numFeatures, 1, { padType }),
        normAct(this.root.child('bn2'), cfg.numFeatures, cfg.act),
      );
      this.numFeatures = cfg.numFeatures;
    } else {
      this.numFeatures = this.built.outChs;
    }
    // reset_classifier(num_classes, global_pool='avg'): the base's default.
    this.createHead('classifier', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return featureLevelSteps(ops, (x: T) => this.stem.forward(ops, x), this.built);
  }

  protected override featuresTail<T>(ops: Ops<T>, x: T): T {
    return this.convHead ? this.convHead.forward(ops, x) : x;
  }
}

interface Variant {
  /** `tf_` port: BN eps 1e-3 and 'same' padding. */
  tf?: boolean;
}

const tfArgs = (v: Variant) => (v.tf ? { bnEps: BN_EPS_TF, padType: 'same' as const } : {});

/** What every timm _gen_* passes on: the arch def decoded by its depth rule, the rest as given, and the `tf_` variant's eps and padding. */
function genConfig(archDef: readonly (readonly string[])[], decode: DecodeOptions, rest: Omit<EfficientNetConfig, 'blockArgs'>, v: Variant = {}): EfficientNetConfig {
  return { blockArgs: decodeArchDef(archDef, decode), ...rest, ...tfArgs(v) };
}

/** timm _gen_efficientnet */
function genEfficientnet(channelMultiplier: number, depthMultiplier: number, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['ds_r1_k3_s1_e1_c16_se0.25'],
    ['ir_r2_k3_s2_e6_c24_se0.25'],
    ['ir_r2_k5_s2_e6_c40_se0.25'],
    ['ir_r3_k3_s2_e6_c80_se0.25'],
    ['ir_r3_k5_s1_e6_c112_se0.25'],
    ['ir_r4_k5_s2_e6_c192_se0.25'],
    ['ir_r1_k3_s1_e6_c320_se0.25'],
  ];
  const roundChsFn = (c: number) => roundChannels(c, channelMultiplier, 8);
  return genConfig(archDef, { depthMultiplier }, { numFeatures: roundChsFn(1280), stemSize: 32, roundChsFn, act: 'silu' }, v);
}

/** timm _gen_efficientnetv2_base (B0–B3) */
function genEfficientnetV2Base(channelMultiplier: number, depthMultiplier: number, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['cn_r1_k3_s1_e1_c16_skip'],
    ['er_r2_k3_s2_e4_c32'],
    ['er_r2_k3_s2_e4_c48'],
    ['ir_r3_k3_s2_e4_c96_se0.25'],
    ['ir_r5_k3_s1_e6_c112_se0.25'],
    ['ir_r8_k3_s2_e6_c192_se0.25'],
  ];
  const roundChsFn = (c: number) => roundChannels(c, channelMultiplier, 8, undefined, 0);
  return genConfig(archDef, { depthMultiplier }, { numFeatures: roundChsFn(1280), stemSize: 32, roundChsFn, act: 'silu' }, v);
}

/** timm _gen_efficientnetv2_s; `rw` is Ross Wightman's pre-release variant. */
function genEfficientnetV2S(channelMultiplier: number, depthMultiplier: number, rw: boolean, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['cn_r2_k3_s1_e1_c24_skip'],
    ['er_r4_k3_s2_e4_c48'],
    ['er_r4_k3_s2_e4_c64'],
    ['ir_r6_k3_s2_e4_c128_se0.25'],
    ['ir_r9_k3_s1_e6_c160_se0.25'],
    ['ir_r15_k3_s2_e6_c256_se0.25'],
  ];
  let numFeatures = 1280;
  if (rw) {
    archDef[0] = ['er_r2_k3_s1_e1_c24'];
    archDef[archDef.length - 1] = ['ir_r15_k3_s2_e6_c272_se0.25'];
    numFeatures = 1792;
  }
  const roundChsFn = (c: number) => roundChannels(c, channelMultiplier);
  return genConfig(archDef, { depthMultiplier }, { numFeatures: roundChsFn(numFeatures), stemSize: 24, roundChsFn, act: 'silu' }, v);
}

/** timm _gen_efficientnetv2_m */
function genEfficientnetV2M(channelMultiplier: number, depthMultiplier: number, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['cn_r3_k3_s1_e1_c24_skip'],
    ['er_r5_k3_s2_e4_c48'],
    ['er_r5_k3_s2_e4_c80'],
    ['ir_r7_k3_s2_e4_c160_se0.25'],
    ['ir_r14_k3_s1_e6_c176_se0.25'],
    ['ir_r18_k3_s2_e6_c304_se0.25'],
    ['ir_r5_k3_s1_e6_c512_se0.25'],
  ];
  return genConfig(archDef, { depthMultiplier }, { numFeatures: 1280, stemSize: 24, roundChsFn: (c) => roundChannels(c, channelMultiplier), act: 'silu' }, v);
}

/** timm _gen_mobilenet_v2 */
function genMobilenetV2(channelMultiplier: number, depthMultiplier = 1.0, fixStemHead = false): EfficientNetConfig {
  const archDef = [
    ['ds_r1_k3_s1_c16'],
    ['ir_r2_k3_s2_e6_c24'],
    ['ir_r3_k3_s2_e6_c32'],
    ['ir_r4_k3_s2_e6_c64'],
    ['ir_r3_k3_s1_e6_c96'],
    ['ir_r3_k3_s2_e6_c160'],
    ['ir_r1_k3_s1_e6_c320'],
  ];
  const roundChsFn = (c: number) => roundChannels(c, channelMultiplier);
  return genConfig(archDef, { depthMultiplier, fixFirstLast: fixStemHead }, { numFeatures: fixStemHead ? 1280 : Math.max(1280, roundChsFn(1280)), stemSize: 32, fixStem: fixStemHead, roundChsFn, act: 'relu6' });
}

/** timm _gen_mnasnet_b1 */
function genMnasnetB1(channelMultiplier: number): EfficientNetConfig {
  const archDef = [
    ['ds_r1_k3_s1_c16_noskip'],
    ['ir_r3_k3_s2_e3_c24'],
    ['ir_r3_k5_s2_e3_c40'],
    ['ir_r3_k5_s2_e6_c80'],
    ['ir_r2_k3_s1_e6_c96'],
    ['ir_r4_k5_s2_e6_c192'],
    ['ir_r1_k3_s1_e6_c320_noskip'],
  ];
  return genConfig(archDef, {}, { numFeatures: 1280, stemSize: 32, roundChsFn: (c) => roundChannels(c, channelMultiplier), act: 'relu' });
}

/**
 * timm _gen_fbnetc. timm's fbnetc_100 sets BN eps 1e-3 only when pretrained (its weights were
 * trained so); this port is the pretrained model, so it always does.
 */
function genFbnetc(channelMultiplier: number): EfficientNetConfig {
  const archDef = [
    ['ir_r1_k3_s1_e1_c16'],
    ['ir_r1_k3_s2_e6_c24', 'ir_r2_k3_s1_e1_c24'],
    ['ir_r1_k5_s2_e6_c32', 'ir_r1_k5_s1_e3_c32', 'ir_r1_k5_s1_e6_c32', 'ir_r1_k3_s1_e6_c32'],
    ['ir_r1_k5_s2_e6_c64', 'ir_r1_k5_s1_e3_c64', 'ir_r2_k5_s1_e6_c64'],
    ['ir_r3_k5_s1_e6_c112', 'ir_r1_k5_s1_e3_c112'],
    ['ir_r4_k5_s2_e6_c184'],
    ['ir_r1_k3_s1_e6_c352'],
  ];
  return genConfig(archDef, {}, { numFeatures: 1984, stemSize: 16, roundChsFn: (c) => roundChannels(c, channelMultiplier), act: 'relu', bnEps: BN_EPS_TF });
}

/** timm _gen_mixnet_s */
function genMixnetS(channelMultiplier: number, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['ds_r1_k3_s1_e1_c16'],
    ['ir_r1_k3_a1.1_p1.1_s2_e6_c24', 'ir_r1_k3_a1.1_p1.1_s1_e3_c24'],
    ['ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw', 'ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw'],
    ['ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw', 'ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw'],
    ['ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw', 'ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw'],
    ['ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw', 'ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw'],
  ];
  return genConfig(archDef, {}, { numFeatures: 1536, stemSize: 16, roundChsFn: (c) => roundChannels(c, channelMultiplier), act: 'relu' }, v);
}

/** timm _gen_mixnet_m (MixNet-M and, with channel multiplier 1.3, MixNet-L) */
function genMixnetM(channelMultiplier: number, depthMultiplier = 1.0, v: Variant = {}): EfficientNetConfig {
  const archDef = [
    ['ds_r1_k3_s1_e1_c24'],
    ['ir_r1_k3.5.7_a1.1_p1.1_s2_e6_c32', 'ir_r1_k3_a1.1_p1.1_s1_e3_c32'],
    ['ir_r1_k3.5.7.9_s2_e6_c40_se0.5_nsw', 'ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw'],
    ['ir_r1_k3.5.7_s2_e6_c80_se0.25_nsw', 'ir_r3_k3.5.7.9_a1.1_p1.1_s1_e6_c80_se0.25_nsw'],
    ['ir_r1_k3_s1_e6_c120_se0.5_nsw', 'ir_r3_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw'],
    ['ir_r1_k3.5.7.9_s2_e6_c200_se0.5_nsw', 'ir_r3_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw'],
  ];
  return genConfig(archDef, { depthMultiplier, depthTrunc: 'round' }, { numFeatures: 1536, stemSize: 24, roundChsFn: (c) => roundChannels(c, channelMultiplier), act: 'relu' }, v);
}

/**
 * timm's EfficientNetBuilder takes any output_stride: strides past it become dilation, so a
 * value between two powers of two acts as the lower one and anything below 4 keeps every
 * stage after the stem at stride 2. The port takes the powers of two from 4 up: 2 (and 1)
 * would run every stage at half the input size, a cost out of proportion to a viewer.
 */
const OUTPUT_STRIDES = [4, 8, 16, 32] as const;

function entry(name: string, cfg: () => EfficientNetConfig): ModelEntry {
  return {
    name,
    family: 'efficientnet',
    create: (args) => new EfficientNet(cfg(), args),
    outputStrides: OUTPUT_STRIDES,
    pretrained: pretrainedCfgs(name),
  };
}

const tf = { tf: true };

export const efficientnetEntries: ModelEntry[] = [
  entry('efficientnet_b0', () => genEfficientnet(1.0, 1.0)),
  entry('efficientnet_b1', () => genEfficientnet(1.0, 1.1)),
  entry('efficientnet_b2', () => genEfficientnet(1.1, 1.2)),
  entry('efficientnet_b3', () => genEfficientnet(1.2, 1.4)),
  entry('efficientnet_b4', () => genEfficientnet(1.4, 1.8)),
  entry('efficientnet_b5', () => genEfficientnet(1.6, 2.2)),
  entry('tf_efficientnet_b0', () => genEfficientnet(1.0, 1.0, tf)),
  entry('tf_efficientnet_b1', () => genEfficientnet(1.0, 1.1, tf)),
  entry('tf_efficientnet_b2', () => genEfficientnet(1.1, 1.2, tf)),
  entry('tf_efficientnet_b3', () => genEfficientnet(1.2, 1.4, tf)),
  entry('tf_efficientnet_b4', () => genEfficientnet(1.4, 1.8, tf)),
  entry('tf_efficientnet_b5', () => genEfficientnet(1.6, 2.2, tf)),
  entry('tf_efficientnet_b6', () => genEfficientnet(1.8, 2.6, tf)),
  entry('tf_efficientnet_b7', () => genEfficientnet(2.0, 3.1, tf)),
  entry('efficientnetv2_rw_t', () => genEfficientnetV2S(0.8, 0.9, false)),
  entry('efficientnetv2_rw_s', () => genEfficientnetV2S(1.0, 1.0, true)),
  entry('tf_efficientnetv2_b0', () => genEfficientnetV2Base(1.0, 1.0, tf)),
  entry('tf_efficientnetv2_b1', () => genEfficientnetV2Base(1.0, 1.1, tf)),
  entry('tf_efficientnetv2_b2', () => genEfficientnetV2Base(1.1, 1.2, tf)),
  entry('tf_efficientnetv2_b3', () => genEfficientnetV2Base(1.2, 1.4, tf)),
  entry('tf_efficientnetv2_s', () => genEfficientnetV2S(1.0, 1.0, false, tf)),
  entry('tf_efficientnetv2_m', () => genEfficientnetV2M(1.0, 1.0, tf)),
  entry('mobilenetv2_050', () => genMobilenetV2(0.5)),
  entry('mobilenetv2_100', () => genMobilenetV2(1.0)),
  entry('mobilenetv2_140', () => genMobilenetV2(1.4)),
  entry('mixnet_s', () => genMixnetS(1.0)),
  entry('mixnet_m', () => genMixnetM(1.0)),
  entry('mixnet_l', () => genMixnetM(1.3)),
  entry('tf_mixnet_s', () => genMixnetS(1.0, tf)),
  entry('tf_mixnet_m', () => genMixnetM(1.0, 1.0, tf)),
  entry('tf_mixnet_l', () => genMixnetM(1.3, 1.0, tf)),
  entry('mnasnet_100', () => genMnasnetB1(1.0)),
  entry('fbnetc_100', () => genFbnetc(1.0)),
];
