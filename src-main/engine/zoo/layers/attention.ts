import type { Activation, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { Conv2d } from './conv';
import { makeDivisible } from './helpers';
import { BatchNorm2d } from './norm';

/** A channel-attention module: x → x · gate(x). */
export interface ChannelAttention {
  forward<T>(ops: Ops<T>, x: T): T;
}

export interface SeOptions {
  rdRatio?: number;
  rdChannels?: number;
  rdDivisor?: number;
  act?: Activation;
  gate?: Activation;
  /** timm's norm_layer=nn.BatchNorm2d: a BatchNorm (keys `bn.*`) between fc1 and the act (ReXNet). */
  norm?: boolean;
}

/** timm layers.SEModule: mean pool, 1×1 conv (fc1), act, 1×1 conv (fc2), gate. */
export class SEModule implements ChannelAttention {
  private readonly fc1: Conv2d;
  private readonly fc2: Conv2d;
  private readonly act: Activation;
  private readonly gate: Activation;
  private readonly bn?: BatchNorm2d;

  constructor(scope: Scope, channels: number, o: SeOptions = {}) {
    const rd = o.rdChannels ?? makeDivisible(channels * (o.rdRatio ?? 1 / 16), o.rdDivisor ?? 8, undefined, 0);
    this.fc1 = new Conv2d(scope.child('fc1'), channels, rd, 1, { bias: true });
    this.fc2 = new Conv2d(scope.child('fc2'), rd, channels, 1, { bias: true });
    this.act = o.act ?? 'relu';
    this.gate = o.gate ?? 'sigmoid';
    if (o.norm) this.bn = new BatchNorm2d(scope.child('bn'), rd);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let s = ops.globalAvgPool(x);
    s = this.fc1.forward(ops, s);
    s = ops.activation(this.bn ? this.bn.forward(ops, s) : s, this.act);
    s = ops.activation(this.fc2.forward(ops, s), this.gate);
    return ops.mul(x, s);
  }
}

/** timm layers.EcaModule (paper form): 1-D conv across pooled channels, adaptive kernel size. */
export class EcaModule implements ChannelAttention {
  private readonly weight;

  constructor(scope: Scope, channels: number, gamma = 2, beta = 1) {
    const t = Math.trunc(Math.abs(Math.log2(channels) + beta) / gamma);
    const k = Math.max(t % 2 ? t : t + 1, 3);
    this.weight = scope.child('conv').param('weight', [1, 1, k]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = ops.activation(ops.channelConv1d(ops.globalAvgPool(x), this.weight), 'sigmoid');
    return ops.mul(x, y);
  }
}

export type AttnType = 'se' | 'eca' | null;

/** timm's create_attn for the kinds the zoo uses. */
export function createAttn(kind: AttnType, scope: Scope, channels: number): ChannelAttention | undefined {
  if (kind === 'se') return new SEModule(scope, channels);
  if (kind === 'eca') return new EcaModule(scope, channels);
  return undefined;
}
