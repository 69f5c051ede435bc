/**
 * The MobileNet-V4 conv block of timm `_efficientnet_blocks.py` that the shared EfficientNet
 * blocks leave out: UniversalInvertedResidual ('uir', the UIB), with timm's optional layer
 * scale (layers.LayerScale2d, key `layer_scale.gamma`). It plugs into the shared builder
 * through `blockFactories` (`MOBILENETV4_BLOCK_FACTORIES`). Each of its convs is timm's
 * layers.ConvNormAct, so keys are `dw_start.conv.weight`, `pw_exp.bn.running_mean`, … as in
 * timm's state_dict. MobileAttention ('mqa' / 'mha', the hybrid models) is not ported.
 */
import type { Activation, Ops, ParamRef } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import type { ChannelAttention } from './attention';
import { makeDivisible } from './helpers';
import {
  createConv2d,
  numGroups,
  type BlockCommonArgs,
  type BlockFeatureInfo,
  type ConvModule,
  type EfficientNetBlock,
  type FeatureLocation,
  type KernelSize,
  type NormAct,
  type NormActFactory,
  type PadType,
} from './efficientnetBlocks';
import type { BlockFactory } from './efficientnetBuilder';

/** timm layers.ConvNormAct with a BatchNormAct2d norm: `conv` then `bn` (+ act, 'identity' for apply_act=False). */
class ConvNormActModule {
  readonly conv: ConvModule;
  private readonly bn: NormAct;

  constructor(
    scope: Scope,
    inChs: number,
    outChs: number,
    kernel: KernelSize,
    o: { stride?: number; dilation?: number; groups?: number; padType: PadType; act: Activation; normAct: NormActFactory },
  ) {
    this.conv = createConv2d(scope.child('conv'), inChs, outChs, kernel, {
      stride: o.stride ?? 1,
      dilation: o.dilation ?? 1,
      groups: o.groups ?? 1,
      padType: o.padType,
    });
    this.bn = o.normAct(scope.child('bn'), outChs, o.act);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.bn.forward(ops, this.conv.forward(ops, x));
  }
}

export interface UirArgs extends BlockCommonArgs {
  /** 'a' in the block string: the depthwise conv before the expansion (0 = none). */
  dwKernelSizeStart: KernelSize;
  /** 'k': the middle depthwise conv (0 = none). */
  dwKernelSizeMid: KernelSize;
  /** 'p': the depthwise conv after the projection (0 = none). */
  dwKernelSizeEnd: KernelSize;
  expRatio: number;
  /** Default 1 (depthwise). */
  groupSize?: number;
  noskip?: boolean;
  /** timm layer_scale_init_value: a LayerScale2d when set (the MobileNet-V4 hybrids), none when undefined. */
  layerScaleInitValue?: number;
}

const present = (k: KernelSize): boolean => (typeof k === 'number' ? k !== 0 : k.length > 0);

/**
 * timm UniversalInvertedResidual: optional dw_start (norm, no act) → pw_exp (1×1, act) →
 * optional dw_mid (act) → optional SE → pw_proj (1×1, no act) → optional dw_end (no act) →
 * optional layer scale → residual when in = out at stride 1. The stride sits on dw_mid when
 * there is one, else on dw_start, else on dw_end, as timm places it; every depthwise conv
 * gets the block's dilation.
 */
export class UniversalInvertedResidual implements EfficientNetBlock {
  private readonly dwStart?: ConvNormActModule;
  private readonly pwExp: ConvNormActModule;
  private readonly dwMid?: ConvNormActModule;
  private readonly se?: ChannelAttention;
  private readonly pwProj: ConvNormActModule;
  private readonly dwEnd?: ConvNormActModule;
  private readonly layerScale?: ParamRef;
  private readonly hasSkip: boolean;

  constructor(scope: Scope, a: UirArgs) {
    const { inChs, outChs, stride, dilation, padType, act, normAct } = a;
    const groupSize = a.groupSize ?? 1;
    const start = present(a.dwKernelSizeStart);
    const mid = present(a.dwKernelSizeMid);
    const end = present(a.dwKernelSizeEnd);
    this.hasSkip = inChs === outChs && stride === 1 && !a.noskip;
    if (stride > 1 && !(start || mid || end)) throw new Error(`${scope.name}: a strided UniversalInvertedResidual needs a depthwise conv`);
    if (start) {
      this.dwStart = new ConvNormActModule(scope.child('dw_start'), inChs, inChs, a.dwKernelSizeStart, {
        stride: mid ? 1 : stride,
        dilation,
        groups: numGroups(groupSize, inChs),
        padType,
        act: 'identity',
        normAct,
      });
    }
    const midChs = makeDivisible(inChs * a.expRatio);
    this.pwExp = new ConvNormActModule(scope.child('pw_exp'), inChs, midChs, 1, { padType, act, normAct });
    if (mid) {
      this.dwMid = new ConvNormActModule(scope.child('dw_mid'), midChs, midChs, a.dwKernelSizeMid, {
        stride,
        dilation,
        groups: numGroups(groupSize, midChs),
        padType,
        act,
        normAct,
      });
    }
    this.se = a.seLayer?.(scope.child('se'), midChs, act);
    this.pwProj = new ConvNormActModule(scope.child('pw_proj'), midChs, outChs, 1, { padType, act: 'identity', normAct });
    if (end) {
      this.dwEnd = new ConvNormActModule(scope.child('dw_end'), outChs, outChs, a.dwKernelSizeEnd, {
        stride: !start && !mid ? stride : 1,
        dilation,
        groups: numGroups(groupSize, outChs),
        padType,
        act: 'identity',
        normAct,
      });
    }
    if (a.layerScaleInitValue !== undefined) this.layerScale = scope.child('layer_scale').param('gamma', [outChs]);
  }

  featureInfo(location: FeatureLocation): BlockFeatureInfo {
    return location === 'expansion'
      ? { module: 'pw_proj.conv', hookType: 'forward_pre', numChs: this.pwProj.conv.inChannels }
      : { module: '', numChs: this.pwProj.conv.outChannels };
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = x;
    if (this.dwStart) y = this.dwStart.forward(ops, y);
    y = this.pwExp.forward(ops, y);
    if (this.dwMid) y = this.dwMid.forward(ops, y);
    if (this.se) y = this.se.forward(ops, y);
    y = this.pwProj.forward(ops, y);
    if (this.dwEnd) y = this.dwEnd.forward(ops, y);
    if (this.layerScale) y = ops.channelScale(y, this.layerScale);
    return this.hasSkip ? ops.add(y, x) : y;
  }
}

/** The builder's block factory for 'uir' (timm _make_block passes layer_scale_init_value to it). */
export const MOBILENETV4_BLOCK_FACTORIES: Readonly<Record<string, BlockFactory>> = {
  uir: (scope, a) =>
    new UniversalInvertedResidual(scope, {
      ...a,
      dwKernelSizeStart: a.def.dwKernelSizeStart ?? 0,
      dwKernelSizeMid: a.def.dwKernelSizeMid ?? 3,
      dwKernelSizeEnd: a.def.dwKernelSizeEnd ?? 0,
      expRatio: a.def.expRatio ?? 1.0,
      groupSize: a.def.groupSize,
      noskip: a.def.noskip,
      layerScaleInitValue: a.layerScaleInitValue,
    }),
};
