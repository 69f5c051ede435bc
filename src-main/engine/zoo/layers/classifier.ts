import type { Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { Linear } from './linear';

export const GLOBAL_POOL_TYPES = ['avg', 'max', 'avgmax', 'catavgmax', ''] as const;
export type GlobalPoolType = (typeof GLOBAL_POOL_TYPES)[number];

export function checkGlobalPool(value: string): GlobalPoolType {
  if (!(GLOBAL_POOL_TYPES as readonly string[]).includes(value)) {
    throw new RangeError(`global_pool '${value}' is not supported; allowed: ${GLOBAL_POOL_TYPES.map((p) => `'${p}'`).join(', ')}`);
  }
  return value as GlobalPoolType;
}

/** timm's SelectAdaptivePool2d (output size 1), flattening unless the pool is ''. */
export function selectAdaptivePool<T>(ops: Ops<T>, x: T, pool: GlobalPoolType): T {
  switch (pool) {
    case '':
      return x;
    case 'avg':
      return ops.flatten(ops.globalAvgPool(x));
    case 'max':
      return ops.flatten(ops.globalMaxPool(x));
    case 'avgmax':
      return ops.flatten(ops.scale(ops.add(ops.globalAvgPool(x), ops.globalMaxPool(x)), 0.5));
    case 'catavgmax':
      return ops.flatten(ops.concatChannels([ops.globalAvgPool(x), ops.globalMaxPool(x)]));
  }
}

/**
 * timm's create_classifier: global pool then Linear (Identity when numClasses is 0).
 * `fcScope` is where the Linear's keys live (e.g. 'fc', 'classifier', 'head.fc').
 */
export class Classifier {
  readonly fc?: Linear;
  readonly pool: GlobalPoolType;

  constructor(fcScope: Scope, readonly numFeatures: number, readonly numClasses: number, pool: string) {
    this.pool = checkGlobalPool(pool);
    if (numClasses > 0 && this.pool === '') {
      throw new RangeError(`global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
    }
    const pooled = this.pool === 'catavgmax' ? numFeatures * 2 : numFeatures;
    if (numClasses > 0) this.fc = new Linear(fcScope.asHead(), pooled, numClasses);
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    const pooled = selectAdaptivePool(ops, x, this.pool);
    return preLogits || !this.fc ? pooled : this.fc.forward(ops, pooled);
  }
}
