/**
 * timm `vovnet.py`: VoVNet V1 (vovnet39a) and V2 (ese_vovnet*: residual OSA blocks
 * with an Effective-SE gate on each stage's last block; *_dw variants use
 * depthwise-separable 3×3 convs).
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { ConvNormAct, SeparableConvNormAct } from '../layers/convNormAct';
import { EffectiveSEModule } from '../layers/effectiveSe';
import { createAttn, type ChannelAttention } from '../layers/attention';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

export interface VovNetConfig {
  stemChs: readonly [number, number, number];
  stageConvChs: readonly number[];
  stageOutChs: readonly number[];
  layerPerBlock: number;
  blockPerStage: readonly number[];
  residual: boolean;
  depthwise: boolean;
  attn: '' | 'ese' | 'eca';
  /** 4 (every timm cfg): the stem's last conv strides and stage 0 does not pool. 2: the reverse. */
  stemStride?: 2 | 4;
}

interface Layer {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** timm create_attn for the kinds VoVNet cfgs name. */
function vovAttn(kind: VovNetConfig['attn'], scope: Scope, channels: number): ChannelAttention | undefined {
  if (kind === 'ese') return new EffectiveSEModule(scope, channels);
  if (kind === 'eca') return createAttn('eca', scope, channels);
  return undefined;
}

/**
 * One-Shot Aggregation block: a chain of 3×3 convs whose every output (and the
 * block input) is concatenated once, then fused by a 1×1 conv.
 */
class OsaBlock implements Layer {
  private readonly convReduction?: ConvNormAct;
  private readonly convMid: Layer[] = [];
  private readonly convConcat: ConvNormAct;
  private readonly attn?: ChannelAttention;

  constructor(
    scope: Scope,
    inChs: number,
    midChs: number,
    outChs: number,
    layerPerBlock: number,
    private readonly residual: boolean,
    depthwise: boolean,
    attn: VovNetConfig['attn'],
  ) {
    // Depthwise convs keep their width, so a 1×1 first brings the input to mid_chs.
    if (depthwise && inChs !== midChs) {
      if (residual) throw new Error(`${scope.name}: a residual depthwise OSA block needs in_chs == mid_chs`);
      this.convReduction = new ConvNormAct(scope.child('conv_reduction'), inChs, midChs, 1);
    }
    const midScope = scope.child('conv_mid');
    let next = inChs;
    for (let i = 0; i < layerPerBlock; i++) {
      this.convMid.push(
        depthwise ? new SeparableConvNormAct(midScope.child(i), midChs, midChs, 3) : new ConvNormAct(midScope.child(i), next, midChs, 3),
      );
      next = midChs;
    }
    this.convConcat = new ConvNormAct(scope.child('conv_concat'), inChs + layerPerBlock * midChs, outChs, 1);
    this.attn = vovAttn(attn, scope.child('attn'), outChs);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    // The concat takes the block input itself, not the reduced one.
    const parts: T[] = [x];
    let y = this.convReduction ? this.convReduction.forward(ops, x) : x;
    for (const conv of this.convMid) {
      y = conv.forward(ops, y);
      parts.push(y);
    }
    y = this.convConcat.forward(ops, ops.concatChannels(parts));
    if (this.attn) y = this.attn.forward(ops, y);
    return this.residual ? ops.add(y, x) : y;
  }
}

/** A stage: optional 3×3/2 ceil-mode max pool, then OSA blocks (attention on the last only). */
class OsaStage implements Layer {
  private readonly blocks: OsaBlock[] = [];

  constructor(scope: Scope, inChs: number, midChs: number, outChs: number, blocks: number, cfg: VovNetConfig, private readonly downsample: boolean) {
    const blocksScope = scope.child('blocks');
    for (let i = 0; i < blocks; i++) {
      const last = i === blocks - 1;
      this.blocks.push(
        new OsaBlock(blocksScope.child(i), inChs, midChs, outChs, cfg.layerPerBlock, cfg.residual && i > 0, cfg.depthwise, last ? cfg.attn : ''),
      );
      inChs = outChs;
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.downsample ? ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [0, 0], ceilMode: true }) : x;
    return runSequential<T>(ops, y, this.blocks);
  }
}

export class VovNet extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: Layer[];
  /** How many stem modules feature level 0 covers ('stem.1' → 2, 'stem.2' → 3). */
  private readonly stemSplit: number;
  private readonly stages: OsaStage[] = [];

  constructor(cfg: VovNetConfig, args: ModelArgs) {
    super();
    // timm asserts output_stride == 32 (no dilation support in VovNet).
    const stemStride = cfg.stemStride ?? 4;
    const [c0, c1, c2] = cfg.stemChs;
    const s = this.root.child('stem');
    const conv = (i: number, inC: number, outC: number, stride: number): Layer =>
      cfg.depthwise ? new SeparableConvNormAct(s.child(i), inC, outC, 3, { stride }) : new ConvNormAct(s.child(i), inC, outC, 3, { stride });
    this.stem = [new ConvNormAct(s.child(0), args.inChans, c0, 3, { stride: 2 }), conv(1, c0, c1, 1), conv(2, c1, c2, stemStride / 2)];
    this.stemSplit = stemStride === 4 ? 2 : 3;
    // timm reports stem_chs[1] as level 0's width even for stem_stride 2 (where the tap is stem.2).
    this.featureInfo = [{ numChs: c1, reduction: 2, module: `stem.${this.stemSplit - 1}` }];

    let stride = stemStride;
    let inChs = c2;
    cfg.stageOutChs.forEach((outChs, i) => {
      const downsample = stemStride === 2 || i > 0;
      this.stages.push(new OsaStage(this.root.child('stages').child(i), inChs, cfg.stageConvChs[i], outChs, cfg.blockPerStage[i], cfg, downsample));
      if (downsample) stride *= 2;
      this.featureInfo.push({ numChs: outChs, reduction: stride, module: `stages.${i}` });
      inChs = outChs;
    });
    this.numFeatures = inChs;
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  /** Level 0 ends inside the stem (timm's flattened 'stem.1' hook); the rest of the stem runs with stage 0. */
  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    const stemHead = this.stem.slice(0, this.stemSplit);
    const stemTail = this.stem.slice(this.stemSplit);
    return [
      (x) => runSequential<T>(ops, x, stemHead),
      ...this.stages.map((stage, i) => (x: T) => stage.forward(ops, i === 0 ? runSequential<T>(ops, x, stemTail) : x)),
    ];
  }


}

function entry(name: string, cfg: VovNetConfig): ModelEntry {
  return {
    name,
    family: 'vovnet',
    create: (args) => new VovNet(cfg, args),
    outputStrides: [32],
    pretrained: pretrainedCfgs(name),
  };
}

const wide = { stageConvChs: [128, 160, 192, 224], stageOutChs: [256, 512, 768, 1024] } as const;
const slim = { stageConvChs: [64, 80, 96, 112], stageOutChs: [112, 256, 384, 512] } as const;
const v2 = { residual: true, attn: 'ese' } as const;

export const vovnetEntries: ModelEntry[] = [
  entry('vovnet39a', { stemChs: [64, 64, 128], ...wide, layerPerBlock: 5, blockPerStage: [1, 1, 2, 2], residual: false, depthwise: false, attn: '' }),
  entry('ese_vovnet19b_slim_dw', { stemChs: [64, 64, 64], ...slim, layerPerBlock: 3, blockPerStage: [1, 1, 1, 1], depthwise: true, ...v2 }),
  entry('ese_vovnet19b_dw', { stemChs: [64, 64, 64], ...wide, layerPerBlock: 3, blockPerStage: [1, 1, 1, 1], depthwise: true, ...v2 }),
  entry('ese_vovnet39b', { stemChs: [64, 64, 128], ...wide, layerPerBlock: 5, blockPerStage: [1, 1, 2, 2], depthwise: false, ...v2 }),
  entry('ese_vovnet57b', { stemChs: [64, 64, 128], ...wide, layerPerBlock: 5, blockPerStage: [1, 1, 4, 3], depthwise: false, ...v2 }),
];
