/**
 * timm's ConvNormAct (layers/conv_bn_act.py) with a BatchNorm2d norm, as RegNet uses it:
 * a conv at `<scope>.conv`, its BatchNormAct2d at `<scope>.bn` (same keys as BatchNorm2d),
 * then the activation unless `act` is 'identity' (timm's apply_act=False).
 */
import type { Activation, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { Conv2d } from './conv';
import { BatchNorm2d } from './norm';

export interface ConvBnActOptions {
  stride?: number;
  dilation?: number;
  groups?: number;
  /** Activation after the norm; 'identity' for apply_act=False. */
  act?: Activation;
}

export class ConvBnAct {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  private readonly act: Activation;

  constructor(scope: Scope, inC: number, outC: number, kernel: number, o: ConvBnActOptions = {}) {
    // create_conv2d with padding '' is timm's symmetric get_padding, Conv2d's default.
    this.conv = new Conv2d(scope.child('conv'), inC, outC, kernel, {
      stride: o.stride ?? 1,
      dilation: o.dilation ?? 1,
      groups: o.groups ?? 1,
    });
    this.bn = new BatchNorm2d(scope.child('bn'), outC);
    this.act = o.act ?? 'relu';
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.bn.forward(ops, this.conv.forward(ops, x));
    return this.act === 'identity' ? y : ops.activation(y, this.act);
  }
}
