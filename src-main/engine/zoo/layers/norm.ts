import type { BatchNormParams, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';

/** torch.nn.BatchNorm2d in eval mode. */
export class BatchNorm2d {
  readonly params: BatchNormParams;

  constructor(scope: Scope, readonly channels: number, eps = 1e-5) {
    this.params = {
      weight: scope.param('weight', [channels]),
      bias: scope.param('bias', [channels]),
      runningMean: scope.buffer('running_mean', [channels]),
      runningVar: scope.buffer('running_var', [channels]),
      eps,
    };
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.batchNorm(x, this.params);
  }
}
