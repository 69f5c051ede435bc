/** timm layers.EffectiveSEModule ('ese' in create_attn), from CenterMask / VoVNetV2. */
import type { Activation, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import type { ChannelAttention } from './attention';
import { Conv2d } from './conv';

export interface EffectiveSeOptions {
  /** timm's experimental add_maxpool: gate input is the mean of avg- and max-pooled values. */
  addMaxpool?: boolean;
  /** Default timm 'hard_sigmoid' = relu6(x + 3) / 6. */
  gate?: Activation;
}

/**
 * One full-width 1×1 conv (with bias, key `fc`) on the pooled channels, no
 * reduction and no inner activation, then a hard-sigmoid gate.
 */
export class EffectiveSEModule implements ChannelAttention {
  private readonly fc: Conv2d;
  private readonly addMaxpool: boolean;
  private readonly gate: Activation;

  constructor(scope: Scope, channels: number, o: EffectiveSeOptions = {}) {
    this.fc = new Conv2d(scope.child('fc'), channels, channels, 1, { padding: 0, bias: true });
    this.addMaxpool = o.addMaxpool ?? false;
    this.gate = o.gate ?? 'hardSigmoid';
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let s = ops.globalAvgPool(x);
    if (this.addMaxpool) s = ops.scale(ops.add(s, ops.globalMaxPool(x)), 0.5);
    return ops.mul(x, ops.activation(this.fc.forward(ops, s), this.gate));
  }
}
