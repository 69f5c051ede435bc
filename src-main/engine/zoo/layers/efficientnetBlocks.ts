/**
 * timm `_efficientnet_blocks.py`: the blocks that timm's EfficientNetBuilder assembles
 * EfficientNet, MixNet, MnasNet, FBNet, MobileNet-V2/V3 and LCNet from, plus the conv
 * factory they are written with (layers/create_conv2d.py, mixed_conv2d.py). State-dict
 * keys are timm's (`conv_dw.weight`, `bn1.running_var`, `se.conv_reduce.bias`, `conv_pw.1.weight`).
 *
 * Ported here: SqueezeExcite, ConvBnAct ('cn'), DepthwiseSeparableConv ('ds', 'dsa'),
 * InvertedResidual ('ir'), EdgeResidual ('er'). Not ported (refused by the builder):
 * CondConvResidual, space-to-depth (s2d), anti-aliasing (aa_layer); UniversalInvertedResidual
 * and MobileAttention belong with MobileNet-V4 and plug in through the builder's block factories.
 * Drop path is the identity at inference and is left out.
 */
import type { Activation, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import type { ChannelAttention } from './attention';
import { Conv2d } from './conv';
import { BatchNorm2d } from './norm';
import { makeDivisible } from './helpers';

/** timm's pad_type: '' PyTorch-style symmetric (get_padding), 'same' TF 'SAME', 'valid' none. */
export type PadType = '' | 'same' | 'valid';

/** A kernel size, or a list of them for a MixedConv2d (MixNet's 'k3.5.7'). */
export type KernelSize = number | readonly number[];

/** Python's round() on a float: half to even. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** A conv as the blocks see it: torch.nn.Conv2d, Conv2dSame or MixedConv2d. */
export interface ConvModule {
  readonly inChannels: number;
  readonly outChannels: number;
  forward<T>(ops: Ops<T>, x: T): T;
}

export interface CreateConvOptions {
  stride?: number;
  dilation?: number;
  groups?: number;
  depthwise?: boolean;
  padType?: PadType;
  bias?: boolean;
}

/** timm create_conv2d_pad's padding for a pad_type, as Conv2d takes it. */
function convPadding(padType: PadType): 'same' | 0 | undefined {
  if (padType === 'same') return 'same';
  return padType === 'valid' ? 0 : undefined;
}

/** timm mixed_conv2d._split_channels: equal parts, the remainder on the first. */
export function splitChannels(numChan: number, numGroups: number): number[] {
  const split = Array.from({ length: numGroups }, () => Math.floor(numChan / numGroups));
  split[0] += numChan - split.reduce((a, b) => a + b, 0);
  return split;
}

/**
 * timm MixedConv2d: the channels split into one group per kernel size, one conv each
 * (keys `<scope>.0`, `<scope>.1`, …), outputs concatenated. Depthwise when asked.
 */
export class MixedConv2d implements ConvModule {
  readonly inChannels: number;
  readonly outChannels: number;
  private readonly splits: number[];
  private readonly convs: Conv2d[];

  constructor(scope: Scope, inChannels: number, outChannels: number, kernels: readonly number[], o: CreateConvOptions = {}) {
    const inSplits = splitChannels(inChannels, kernels.length);
    const outSplits = splitChannels(outChannels, kernels.length);
    this.inChannels = inSplits.reduce((a, b) => a + b, 0);
    this.outChannels = outSplits.reduce((a, b) => a + b, 0);
    this.splits = inSplits;
    this.convs = kernels.map(
      (k, i) =>
        new Conv2d(scope.child(i), inSplits[i], outSplits[i], k, {
          stride: o.stride ?? 1,
          dilation: o.dilation ?? 1,
          groups: o.depthwise ? inSplits[i] : 1,
          padding: convPadding(o.padType ?? ''),
          bias: o.bias ?? false,
        }),
    );
  }

  forward<T>(ops: Ops<T>, x: T): T {
    if (this.convs.length === 1) return this.convs[0].forward(ops, x);
    const parts = ops.splitChannels(x, this.splits);
    return ops.concatChannels(parts.map((p, i) => this.convs[i].forward(ops, p)));
  }
}

/**
 * timm create_conv2d: a MixedConv2d for a list of kernel sizes, else a Conv2d padded as
 * `padType` says (static symmetric where timm's is_static_pad holds, else dynamic 'same').
 * No bias unless asked, as timm's create_conv2d_pad.
 */
export function createConv2d(scope: Scope, inChannels: number, outChannels: number, kernel: KernelSize, o: CreateConvOptions = {}): ConvModule {
  if (typeof kernel !== 'number') {
    let depthwise = o.depthwise ?? false;
    if (o.groups !== undefined) {
      if (o.groups === inChannels) depthwise = true;
      else if (o.groups !== 1) throw new Error(`${scope.name}: a MixedConv2d is depthwise or ungrouped, not groups=${o.groups}`);
    }
    return new MixedConv2d(scope, inChannels, outChannels, kernel, { ...o, depthwise });
  }
  return new Conv2d(scope, inChannels, outChannels, kernel, {
    stride: o.stride ?? 1,
    dilation: o.dilation ?? 1,
    groups: o.depthwise ? inChannels : (o.groups ?? 1),
    padding: convPadding(o.padType ?? ''),
    bias: o.bias ?? false,
  });
}

/** A norm + activation pair (timm's norm_act_layer) at one scope. */
export interface NormAct {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** timm get_norm_act_layer(norm_layer, act_layer): builds one at `scope`; 'identity' is apply_act=False. */
export type NormActFactory = (scope: Scope, channels: number, act: Activation) => NormAct;

/** timm BatchNormAct2d: BatchNorm2d (same keys) then the activation. */
export class BatchNormAct2d implements NormAct {
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, channels: number, private readonly act: Activation, eps = 1e-5) {
    this.bn = new BatchNorm2d(scope, channels, eps);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.bn.forward(ops, x);
    return this.act === 'identity' ? y : ops.activation(y, this.act);
  }
}

/** BatchNormAct2d with a given eps (timm's partial(nn.BatchNorm2d, eps=…)). */
export function batchNormAct(eps = 1e-5): NormActFactory {
  return (scope, channels, act) => new BatchNormAct2d(scope, channels, act, eps);
}

export interface SqueezeExciteOptions {
  rdRatio?: number;
  rdChannels?: number;
  /** The containing block's activation. */
  act?: Activation;
  gate?: Activation;
  /** Overrides `act` (MobileNet-V3 forces ReLU). */
  forceAct?: Activation;
  /** How in_chs · rd_ratio becomes a channel count; default Python's round(). */
  rdRoundFn?: (v: number) => number;
}

/** timm _efficientnet_blocks.SqueezeExcite: mean pool, conv_reduce, act, conv_expand, gate. */
export class SqueezeExcite implements ChannelAttention {
  private readonly convReduce: Conv2d;
  private readonly convExpand: Conv2d;
  private readonly act: Activation;
  private readonly gate: Activation;

  constructor(scope: Scope, inChs: number, o: SqueezeExciteOptions = {}) {
    const rd = o.rdChannels ?? (o.rdRoundFn ?? pyRound)(inChs * (o.rdRatio ?? 0.25));
    this.convReduce = new Conv2d(scope.child('conv_reduce'), inChs, rd, 1, { bias: true });
    this.convExpand = new Conv2d(scope.child('conv_expand'), rd, inChs, 1, { bias: true });
    this.act = o.forceAct ?? o.act ?? 'relu';
    this.gate = o.gate ?? 'sigmoid';
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let s = ops.globalAvgPool(x);
    s = ops.activation(this.convReduce.forward(ops, s), this.act);
    s = ops.activation(this.convExpand.forward(ops, s), this.gate);
    return ops.mul(x, s);
  }
}

/** A block's se_layer once the builder has bound its ratio: called with the block's channels and activation. */
export type SeLayer = (scope: Scope, channels: number, act: Activation) => ChannelAttention;

/** The model's se_layer before the builder binds a block's ratio (timm passes a class or partial). */
export interface SeLayerDef {
  /** timm's se_has_ratio: whether the layer takes rd_ratio (else a block's se ratio only switches it on). */
  hasRatio: boolean;
  bind(rdRatio: number | undefined): SeLayer;
}

/** timm's SqueezeExcite, or a partial of it with a gate / forced act / rounding (MobileNet-V3). */
export function squeezeExciteLayer(defaults: Omit<SqueezeExciteOptions, 'rdRatio' | 'rdChannels' | 'act'> = {}): SeLayerDef {
  return {
    hasRatio: true,
    bind: (rdRatio) => (scope, channels, act) => new SqueezeExcite(scope, channels, { ...defaults, rdRatio, act }),
  };
}

/** Where a block's feature is taken (timm feature_location): its output, or the input of its last conv. */
export type FeatureLocation = '' | 'bottleneck' | 'expansion';

/** What a block's feature_info(location) returns: module '' is the block's own output. */
export interface BlockFeatureInfo {
  module: string;
  numChs: number;
  hookType?: 'forward' | 'forward_pre';
}

export interface EfficientNetBlock {
  forward<T>(ops: Ops<T>, x: T): T;
  featureInfo(location: FeatureLocation): BlockFeatureInfo;
}

/** What every block is built with: the builder's resolved arguments (timm _make_block's `ba`). */
export interface BlockCommonArgs {
  inChs: number;
  outChs: number;
  stride: number;
  dilation: number;
  padType: PadType;
  act: Activation;
  normAct: NormActFactory;
  seLayer?: SeLayer;
}

/** timm num_groups: 0 / undefined → one group, else channels / group_size (1 is depthwise). */
export function numGroups(groupSize: number | undefined, channels: number): number {
  if (!groupSize) return 1;
  if (channels % groupSize) throw new Error(`group_size ${groupSize} does not divide ${channels} channels`);
  return channels / groupSize;
}

const residual = <T>(ops: Ops<T>, y: T, shortcut: T, hasSkip: boolean): T => (hasSkip ? ops.add(y, shortcut) : y);

/** Where a block's feature is read: the input of its last 1×1 (`module`, timm's 'expansion' location) or its output. */
const readAt = (location: FeatureLocation, module: string, last: ConvModule): BlockFeatureInfo =>
  location === 'expansion' ? { module, hookType: 'forward_pre', numChs: last.inChannels } : { module: '', numChs: last.outChannels };

export interface ConvBnActArgs extends BlockCommonArgs {
  kernelSize: KernelSize;
  groupSize?: number;
  skip?: boolean;
}

/** timm ConvBnAct ('cn'): conv, bn1 (+act), optional skip. */
export class ConvBnAct implements EfficientNetBlock {
  private readonly conv: ConvModule;
  private readonly bn1: NormAct;
  private readonly hasSkip: boolean;

  constructor(scope: Scope, a: ConvBnActArgs) {
    this.hasSkip = (a.skip ?? false) && a.stride === 1 && a.inChs === a.outChs;
    this.conv = createConv2d(scope.child('conv'), a.inChs, a.outChs, a.kernelSize, {
      stride: a.stride,
      dilation: a.dilation,
      groups: numGroups(a.groupSize ?? 0, a.inChs),
      padType: a.padType,
    });
    this.bn1 = a.normAct(scope.child('bn1'), a.outChs, a.act);
  }

  featureInfo(location: FeatureLocation): BlockFeatureInfo {
    const numChs = this.conv.outChannels;
    return location === 'expansion' ? { module: 'bn1', hookType: 'forward', numChs } : { module: '', numChs };
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return residual(ops, this.bn1.forward(ops, this.conv.forward(ops, x)), x, this.hasSkip);
  }
}

export interface DepthwiseSeparableArgs extends BlockCommonArgs {
  dwKernelSize: KernelSize;
  pwKernelSize?: KernelSize;
  groupSize?: number;
  noskip?: boolean;
  pwAct?: boolean;
}

/** timm DepthwiseSeparableConv ('ds', 'dsa'): conv_dw, bn1 (+act), se, conv_pw, bn2 (+act for 'dsa'), skip. */
export class DepthwiseSeparableConv implements EfficientNetBlock {
  private readonly convDw: ConvModule;
  private readonly bn1: NormAct;
  private readonly se?: ChannelAttention;
  private readonly convPw: ConvModule;
  private readonly bn2: NormAct;
  private readonly hasSkip: boolean;

  constructor(scope: Scope, a: DepthwiseSeparableArgs) {
    this.hasSkip = a.stride === 1 && a.inChs === a.outChs && !a.noskip;
    this.convDw = createConv2d(scope.child('conv_dw'), a.inChs, a.inChs, a.dwKernelSize, {
      stride: a.stride,
      dilation: a.dilation,
      groups: numGroups(a.groupSize ?? 1, a.inChs),
      padType: a.padType,
    });
    this.bn1 = a.normAct(scope.child('bn1'), a.inChs, a.act);
    this.se = a.seLayer?.(scope.child('se'), a.inChs, a.act);
    this.convPw = createConv2d(scope.child('conv_pw'), a.inChs, a.outChs, a.pwKernelSize ?? 1, { padType: a.padType });
    this.bn2 = a.normAct(scope.child('bn2'), a.outChs, a.pwAct ? a.act : 'identity');
  }

  featureInfo(location: FeatureLocation): BlockFeatureInfo {
    return readAt(location, 'conv_pw', this.convPw);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.bn1.forward(ops, this.convDw.forward(ops, x));
    if (this.se) y = this.se.forward(ops, y);
    y = this.bn2.forward(ops, this.convPw.forward(ops, y));
    return residual(ops, y, x, this.hasSkip);
  }
}

export interface InvertedResidualArgs extends BlockCommonArgs {
  dwKernelSize: KernelSize;
  expKernelSize?: KernelSize;
  pwKernelSize?: KernelSize;
  expRatio: number;
  groupSize?: number;
  noskip?: boolean;
}

/** timm InvertedResidual ('ir', MBConv): conv_pw, bn1, conv_dw, bn2, se, conv_pwl, bn3 (no act), skip. */
export class InvertedResidual implements EfficientNetBlock {
  private readonly convPw: ConvModule;
  private readonly bn1: NormAct;
  private readonly convDw: ConvModule;
  private readonly bn2: NormAct;
  private readonly se?: ChannelAttention;
  private readonly convPwl: ConvModule;
  private readonly bn3: NormAct;
  private readonly hasSkip: boolean;

  constructor(scope: Scope, a: InvertedResidualArgs) {
    this.hasSkip = a.inChs === a.outChs && a.stride === 1 && !a.noskip;
    const mid = makeDivisible(a.inChs * a.expRatio);
    this.convPw = createConv2d(scope.child('conv_pw'), a.inChs, mid, a.expKernelSize ?? 1, { padType: a.padType });
    this.bn1 = a.normAct(scope.child('bn1'), mid, a.act);
    this.convDw = createConv2d(scope.child('conv_dw'), mid, mid, a.dwKernelSize, {
      stride: a.stride,
      dilation: a.dilation,
      groups: numGroups(a.groupSize ?? 1, mid),
      padType: a.padType,
    });
    this.bn2 = a.normAct(scope.child('bn2'), mid, a.act);
    this.se = a.seLayer?.(scope.child('se'), mid, a.act);
    this.convPwl = createConv2d(scope.child('conv_pwl'), mid, a.outChs, a.pwKernelSize ?? 1, { padType: a.padType });
    this.bn3 = a.normAct(scope.child('bn3'), a.outChs, 'identity');
  }

  featureInfo(location: FeatureLocation): BlockFeatureInfo {
    return readAt(location, 'conv_pwl', this.convPwl);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.bn1.forward(ops, this.convPw.forward(ops, x));
    y = this.bn2.forward(ops, this.convDw.forward(ops, y));
    if (this.se) y = this.se.forward(ops, y);
    y = this.bn3.forward(ops, this.convPwl.forward(ops, y));
    return residual(ops, y, x, this.hasSkip);
  }
}

export interface EdgeResidualArgs extends BlockCommonArgs {
  expKernelSize: KernelSize;
  pwKernelSize?: KernelSize;
  expRatio: number;
  /** timm's TF EdgeTPU hack: size the expansion from this (already rounded) width instead of in_chs. */
  forceInChs?: number;
  groupSize?: number;
  noskip?: boolean;
}

/** timm EdgeResidual ('er', FusedMBConv): conv_exp (strided), bn1, se, conv_pwl, bn2 (no act), skip. */
export class EdgeResidual implements EfficientNetBlock {
  private readonly convExp: ConvModule;
  private readonly bn1: NormAct;
  private readonly se?: ChannelAttention;
  private readonly convPwl: ConvModule;
  private readonly bn2: NormAct;
  private readonly hasSkip: boolean;

  constructor(scope: Scope, a: EdgeResidualArgs) {
    const mid = makeDivisible((a.forceInChs && a.forceInChs > 0 ? a.forceInChs : a.inChs) * a.expRatio);
    this.hasSkip = a.inChs === a.outChs && a.stride === 1 && !a.noskip;
    this.convExp = createConv2d(scope.child('conv_exp'), a.inChs, mid, a.expKernelSize, {
      stride: a.stride,
      dilation: a.dilation,
      // timm sizes the groups from conv_exp's output channels.
      groups: numGroups(a.groupSize ?? 0, mid),
      padType: a.padType,
    });
    this.bn1 = a.normAct(scope.child('bn1'), mid, a.act);
    this.se = a.seLayer?.(scope.child('se'), mid, a.act);
    this.convPwl = createConv2d(scope.child('conv_pwl'), mid, a.outChs, a.pwKernelSize ?? 1, { padType: a.padType });
    this.bn2 = a.normAct(scope.child('bn2'), a.outChs, 'identity');
  }

  featureInfo(location: FeatureLocation): BlockFeatureInfo {
    return readAt(location, 'conv_pwl', this.convPwl);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.bn1.forward(ops, this.convExp.forward(ops, x));
    if (this.se) y = this.se.forward(ops, y);
    y = this.bn2.forward(ops, this.convPwl.forward(ops, y));
    return residual(ops, y, x, this.hasSkip);
  }
}
