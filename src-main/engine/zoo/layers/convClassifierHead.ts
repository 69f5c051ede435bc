/**
 * timm's create_classifier(use_conv=True) with the model's own `flatten`, as
 * DLA and DPN build their heads: a global pool that keeps its [N, C, 1, 1]
 * shape, a 1×1 Conv2d with bias as the classifier (weight [K, C, 1, 1]), and
 * nn.Flatten(1) afterwards only when a pool is set. With global_pool '' the
 * conv runs at every position, so num_classes > 0 is allowed there and the
 * logits are a [N, K, H, W] map; pre_logits is then the unpooled map as well.
 */
import type { Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { Conv2d } from './conv';
import { checkGlobalPool, type GlobalPoolType, type Head } from './classifier';

/** SelectAdaptivePool2d(flatten=False): the pooled value stays [N, C', 1, 1] (the input itself for ''). */
function poolKeepDims<T>(ops: Ops<T>, x: T, pool: GlobalPoolType): T {
  switch (pool) {
    case '':
      return x;
    case 'avg':
      return ops.globalAvgPool(x);
    case 'max':
      return ops.globalMaxPool(x);
    case 'avgmax':
      return ops.scale(ops.add(ops.globalAvgPool(x), ops.globalMaxPool(x)), 0.5);
    case 'catavgmax':
      return ops.concatChannels([ops.globalAvgPool(x), ops.globalMaxPool(x)]);
  }
}

export class ConvClassifierHead implements Head {
  private fc?: Conv2d;
  pool: GlobalPoolType = 'avg';

  /** `fcScope`: where the conv's keys live ('fc' for DLA, 'classifier' for DPN). */
  constructor(private readonly fcScope: Scope, readonly numFeatures: number, public numClasses: number, pool: string) {
    this.build(numClasses, pool);
  }

  private build(numClasses: number, pool: string): void {
    this.pool = checkGlobalPool(pool);
    const pooled = this.pool === 'catavgmax' ? this.numFeatures * 2 : this.numFeatures;
    this.fc = numClasses > 0 ? new Conv2d(this.fcScope.asHead(), pooled, numClasses, 1, { bias: true }) : undefined;
    this.numClasses = numClasses;
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    let y = poolKeepDims(ops, x, this.pool);
    if (!preLogits && this.fc) y = this.fc.forward(ops, y);
    return this.pool === '' ? y : ops.flatten(y);
  }

  /** timm rebuilds pool, conv and flatten from the arguments (global_pool defaults to 'avg', not the current one). */
  reset(numClasses: number, globalPool: string): void {
    this.fcScope.registry.removePrefix(`${this.fcScope.prefix}.`);
    this.build(numClasses, globalPool);
  }
}
