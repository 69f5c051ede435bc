/**
 * timm layers.ConvNormAct and layers.SeparableConvNormAct with timm's default
 * BatchNormAct2d norm (BatchNorm2d followed by the activation). Their state-dict
 * keys are `conv.*` + `bn.*` and `conv_dw.*` + `conv_pw.*` + `bn.*`.
 */
import type { Activation, Ops, Pair } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { Conv2d, type ConvOptions } from './conv';
import { BatchNorm2d } from './norm';

export interface NormActOptions {
  /** Activation after the norm; 'identity' is timm's apply_act=False. Default 'relu'. */
  act?: Activation;
  /** BatchNorm eps (timm default 1e-5). */
  eps?: number;
}

/** Conv (timm get_padding by default, no bias) → BatchNorm → activation. */
export class ConvNormAct {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  private readonly act: Activation;

  constructor(scope: Scope, inChannels: number, outChannels: number, kernel: number | Pair = 1, o: ConvOptions & NormActOptions = {}) {
    const { act, eps, ...conv } = o;
    this.conv = new Conv2d(scope.child('conv'), inChannels, outChannels, kernel, { ...conv, bias: conv.bias ?? false });
    this.bn = new BatchNorm2d(scope.child('bn'), outChannels, eps);
    this.act = act ?? 'relu';
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.activation(this.bn.forward(ops, this.conv.forward(ops, x)), this.act);
  }
}

export interface SeparableOptions extends NormActOptions {
  stride?: number;
  dilation?: number;
  /** Depthwise channel multiplier; the depthwise output is int(in * multiplier). */
  channelMultiplier?: number;
  pwKernel?: number;
  /** Bias on the pointwise conv only (the depthwise conv never has one). */
  bias?: boolean;
}

/** Depthwise k×k conv → pointwise conv → BatchNorm → activation (no norm between the two convs). */
export class SeparableConvNormAct {
  readonly convDw: Conv2d;
  readonly convPw: Conv2d;
  readonly bn: BatchNorm2d;
  private readonly act: Activation;

  constructor(scope: Scope, inChannels: number, outChannels: number, kernel = 3, o: SeparableOptions = {}) {
    const mid = Math.trunc(inChannels * (o.channelMultiplier ?? 1));
    this.convDw = new Conv2d(scope.child('conv_dw'), inChannels, mid, kernel, {
      stride: o.stride ?? 1,
      dilation: o.dilation ?? 1,
      groups: inChannels,
    });
    this.convPw = new Conv2d(scope.child('conv_pw'), mid, outChannels, o.pwKernel ?? 1, { bias: o.bias ?? false });
    this.bn = new BatchNorm2d(scope.child('bn'), outChannels, o.eps);
    this.act = o.act ?? 'relu';
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.convPw.forward(ops, this.convDw.forward(ops, x));
    return ops.activation(this.bn.forward(ops, y), this.act);
  }
}
