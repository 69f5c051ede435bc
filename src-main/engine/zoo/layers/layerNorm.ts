import type { NormParams, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';

/**
 * timm's LayerNorm2d (a map, over its channels) and LayerNorm (channels last, or
 * a [N, C] value) are one op here: the op layer normalises over the channel axis
 * whatever the value's rank. timm's default eps is 1e-6, not torch's 1e-5.
 */
export class LayerNorm {
  readonly params: NormParams;

  constructor(scope: Scope, readonly channels: number, eps = 1e-6) {
    this.params = { weight: scope.param('weight', [channels]), bias: scope.param('bias', [channels]), eps };
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.layerNorm(x, this.params);
  }
}
