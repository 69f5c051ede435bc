/**
 * timm `convnext.py`: ConvNeXt and ConvNeXt-V2 with the patch stem, LayerNorm throughout
 * and timm's NormMlpClassifierHead (pool → norm → fc).
 *
 * The block's MLP is timm's `Mlp` (or `GlobalResponseNormMlp` for V2): nn.Linear on the
 * channels-last view for the larger models, 1×1 convs on NCHW where `conv_mlp` is set
 * (atto … nano). Both are the same function; they differ in their state-dict shapes
 * ([O, I] against [O, I, 1, 1]), which the port keeps. The op layer's layerNorm and
 * linear work over the channel axis of a map, so the permutes around timm's
 * channels-last block have nothing to do here.
 */
import type { NormParams, Ops, ParamRef } from '../../ops/ops';
import { conv2dSame } from '../../ops/samePadding';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { LayerNorm } from '../layers/layerNorm';
import { Linear } from '../layers/linear';
import { NormMlpClassifierHead } from '../layers/normMlpClassifierHead';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** The ConvNeXt kwargs the registered entrypoints set. */
export interface ConvNeXtConfig {
  depths: readonly [number, number, number, number];
  dims: readonly [number, number, number, number];
  /** 1×1 conv MLP on NCHW (timm conv_mlp) instead of nn.Linear channels-last. */
  convMlp?: boolean;
  /** ConvNeXt-V2: GlobalResponseNorm between the MLP's activation and fc2. */
  useGrn?: boolean;
  /** A layer-scale `gamma` per block (timm: ls_init_value is not None); V2 has none. */
  layerScale: boolean;
}

const KERNEL = 7;
const PATCH = 4;
const MLP_RATIO = 4;

/** Anything timm's Mlp uses as fc1 / fc2: an nn.Linear or a 1×1 nn.Conv2d. */
interface Pointwise {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** timm GlobalResponseNorm: weight and bias of [C], eps 1e-6 (its own default, whatever the norms use). */
class GlobalResponseNorm {
  readonly params: NormParams;

  constructor(scope: Scope, channels: number) {
    this.params = { weight: scope.param('weight', [channels]), bias: scope.param('bias', [channels]), eps: 1e-6 };
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.grn(x, this.params);
  }
}

/** timm Mlp / GlobalResponseNormMlp: fc1 → GELU → (GRN) → fc2; dropouts are identity at eval. */
class Mlp {
  private readonly fc1: Pointwise;
  private readonly grn?: GlobalResponseNorm;
  private readonly fc2: Pointwise;

  constructor(scope: Scope, channels: number, hidden: number, conv: boolean, grn: boolean) {
    const pointwise = (s: Scope, i: number, o: number): Pointwise => (conv ? new Conv2d(s, i, o, 1, { bias: true }) : new Linear(s, i, o));
    this.fc1 = pointwise(scope.child('fc1'), channels, hidden);
    if (grn) this.grn = new GlobalResponseNorm(scope.child('grn'), hidden);
    this.fc2 = pointwise(scope.child('fc2'), hidden, channels);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = ops.activation(this.fc1.forward(ops, x), 'gelu');
    if (this.grn) y = this.grn.forward(ops, y);
    return this.fc2.forward(ops, y);
  }
}

/**
 * timm ConvNeXtBlock: depthwise 7×7 → LayerNorm → MLP → ×gamma, plus the input.
 * In every stage timm builds, the block keeps its width, stride 1 and one dilation,
 * so its shortcut is the identity.
 */
class ConvNeXtBlock {
  private readonly gamma?: ParamRef;
  private readonly convDw: Conv2d;
  private readonly norm: LayerNorm;
  private readonly mlp: Mlp;

  constructor(scope: Scope, chs: number, dilation: number, cfg: ConvNeXtConfig) {
    // The block's own parameter comes first in timm's state_dict, before its children's.
    if (cfg.layerScale) this.gamma = scope.param('gamma', [chs]);
    this.convDw = new Conv2d(scope.child('conv_dw'), chs, chs, KERNEL, { dilation, groups: chs, bias: true });
    this.norm = new LayerNorm(scope.child('norm'), chs);
    this.mlp = new Mlp(scope.child('mlp'), chs, MLP_RATIO * chs, cfg.convMlp ?? false, cfg.useGrn ?? false);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.mlp.forward(ops, this.norm.forward(ops, this.convDw.forward(ops, x)));
    if (this.gamma) y = ops.channelScale(y, this.gamma);
    return ops.add(y, x);
  }
}

/**
 * ConvNeXtStage's downsample: LayerNorm2d, then a k×k conv (k = 2 when it strides or the
 * dilation changes, else 1). Where the stage is dilated timm asks for 'same' padding: a 2×2 tap
 * at stride 1 pads dynamically (0 before, 1 after each axis), a dilated 2×2 pads
 * symmetrically — conv2dSame does both.
 */
class Downsample {
  private readonly norm: LayerNorm;
  private readonly conv: Conv2d;

  constructor(scope: Scope, inChs: number, outChs: number, k: number, stride: number, firstDilation: number, private readonly same: boolean) {
    this.norm = new LayerNorm(scope.child(0), inChs);
    this.conv = new Conv2d(scope.child(1), inChs, outChs, k, { stride, dilation: firstDilation, padding: 0, bias: true });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.norm.forward(ops, x);
    if (!this.same) return this.conv.forward(ops, y);
    const c = this.conv;
    return conv2dSame(ops, y, c.weight, { stride: c.stride, dilation: c.dilation, groups: c.groups, bias: c.bias });
  }
}

interface Stage {
  downsample?: Downsample;
  blocks: ConvNeXtBlock[];
}

export class ConvNeXt extends TimmModelBase {
  // timm: NormMlpClassifierHead.reset(num_classes, pool_type=None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  private readonly stemConv: Conv2d;
  private readonly stemNorm: LayerNorm;
  private readonly stages: Stage[] = [];

  constructor(cfg: ConvNeXtConfig, args: ModelArgs) {
    super();
    const { depths, dims } = cfg;
    const stem = this.root.child('stem');
    this.stemConv = new Conv2d(stem.child(0), args.inChans, dims[0], PATCH, { stride: PATCH, padding: 0, bias: true });
    this.stemNorm = new LayerNorm(stem.child(1), dims[0]);

    let prevChs = dims[0];
    let currStride = PATCH;
    let dilation = 1;
    for (let i = 0; i < 4; i++) {
      let stride = currStride === 2 || i > 0 ? 2 : 1;
      if (currStride >= args.outputStride && stride > 1) {
        dilation *= stride;
        stride = 1;
      }
      currStride *= stride;
      // The first block of a newly dilated stage (its downsample) keeps the smaller dilation.
      const firstDilation = dilation === 1 || dilation === 2 ? 1 : 2;
      const scope = this.root.child('stages').child(i);
      const outChs = dims[i];
      const stage: Stage = { blocks: [] };
      if (prevChs !== outChs || stride > 1 || firstDilation !== dilation) {
        const k = stride > 1 || firstDilation !== dilation ? 2 : 1;
        stage.downsample = new Downsample(scope.child('downsample'), prevChs, outChs, k, stride, firstDilation, dilation > 1);
      }
      for (let b = 0; b < depths[i]; b++) stage.blocks.push(new ConvNeXtBlock(scope.child('blocks').child(b), outChs, dilation, cfg));
      this.stages.push(stage);
      prevChs = outChs;
      this.featureInfo.push({ numChs: outChs, reduction: currStride, module: `stages.${i}` });
    }
    this.numFeatures = prevChs;
    // head_norm_first=False (every registered variant): pool → head.norm → fc; norm_pre is the identity.
    this.head = new NormMlpClassifierHead(this.root.child('head'), this.numFeatures, args.numClasses, args.globalPool, { act: 'gelu' });
  }

  private runStage<T>(ops: Ops<T>, stage: Stage, x: T): T {
    const y = stage.downsample ? ops.scope(() => (stage.downsample as Downsample).forward(ops, x)) : x;
    return runSequential(ops, y, stage.blocks);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.stages.map((stage, i) => (x: T) => {
      const y = i === 0 ? this.stemNorm.forward(ops, this.stemConv.forward(ops, x)) : x;
      return this.runStage(ops, stage, y);
    });
  }
}

/** timm's model_args per entrypoint. */
export const convnextConfigs: Record<string, ConvNeXtConfig> = {
  convnext_atto: { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320], convMlp: true, layerScale: true },
  convnext_femto: { depths: [2, 2, 6, 2], dims: [48, 96, 192, 384], convMlp: true, layerScale: true },
  convnext_pico: { depths: [2, 2, 6, 2], dims: [64, 128, 256, 512], convMlp: true, layerScale: true },
  convnext_nano: { depths: [2, 2, 8, 2], dims: [80, 160, 320, 640], convMlp: true, layerScale: true },
  convnext_tiny: { depths: [3, 3, 9, 3], dims: [96, 192, 384, 768], layerScale: true },
  convnext_small: { depths: [3, 3, 27, 3], dims: [96, 192, 384, 768], layerScale: true },
  convnext_base: { depths: [3, 3, 27, 3], dims: [128, 256, 512, 1024], layerScale: true },
  convnextv2_atto: { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320], convMlp: true, useGrn: true, layerScale: false },
  convnextv2_femto: { depths: [2, 2, 6, 2], dims: [48, 96, 192, 384], convMlp: true, useGrn: true, layerScale: false },
  convnextv2_pico: { depths: [2, 2, 6, 2], dims: [64, 128, 256, 512], convMlp: true, useGrn: true, layerScale: false },
  convnextv2_nano: { depths: [2, 2, 8, 2], dims: [80, 160, 320, 640], convMlp: true, useGrn: true, layerScale: false },
  convnextv2_tiny: { depths: [3, 3, 9, 3], dims: [96, 192, 384, 768], useGrn: true, layerScale: false },
  convnextv2_small: { depths: [3, 3, 27, 3], dims: [96, 192, 384, 768], useGrn: true, layerScale: false },
  convnextv2_base: { depths: [3, 3, 27, 3], dims: [128, 256, 512, 1024], useGrn: true, layerScale: false },
};

export const convnextEntries: ModelEntry[] = Object.entries(convnextConfigs).map(([name, cfg]) => ({
  name,
  family: 'convnext',
  create: (args) => new ConvNeXt(cfg, args),
  // timm: assert output_stride in (8, 16, 32).
  outputStrides: [8, 16, 32],
  pretrained: pretrainedCfgs(name),
}));
