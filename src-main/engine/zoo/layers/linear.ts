import type { Ops, ParamRef } from '../../ops/ops';
import type { Scope } from '../paramRegistry';

/** torch.nn.Linear: weight [out, in], bias [out]. */
export class Linear {
  readonly weight: ParamRef;
  readonly bias?: ParamRef;

  constructor(scope: Scope, readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    this.weight = scope.param('weight', [outFeatures, inFeatures]);
    if (bias) this.bias = scope.param('bias', [outFeatures]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.linear(x, this.weight, this.bias);
  }
}
