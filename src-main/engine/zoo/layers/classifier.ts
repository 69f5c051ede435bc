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
 * A model's classifier head: what forward_head does with forward_features'
 * output, and how reset_classifier rebuilds it. Families with heads beyond
 * pool → Linear (ConvNeXt's norm, MobileNetV3's conv_head, VGG's ConvMlp)
 * implement it themselves.
 */
export interface Head {
  readonly numClasses: number;
  /** The global pool type in use ('' when unpooled). */
  readonly pool: string;
  forward<T>(ops: Ops<T>, x: T, preLogits: boolean): T;
  /** timm's reset_classifier(numClasses, globalPool) for this head; the pool is already resolved. */
  reset(numClasses: number, globalPool: string): void;
}

/** timm's create_classifier: a global pool, then a Linear at `fcScope` (none when numClasses is 0). */
export function createClassifier(fcScope: Scope, numFeatures: number, numClasses: number, pool: string): { pool: GlobalPoolType; fc?: Linear } {
  const checked = checkGlobalPool(pool);
  if (numClasses > 0 && checked === '') {
    throw new RangeError(`global_pool '' (unpooled) needs num_classes=0, got num_classes=${numClasses}`);
  }
  const pooled = checked === 'catavgmax' ? numFeatures * 2 : numFeatures;
  return { pool: checked, fc: numClasses > 0 ? new Linear(fcScope.asHead(), pooled, numClasses) : undefined };
}

/** The common head: create_classifier's pool and Linear (keys at e.g. 'fc', 'classifier' or 'head.fc'). */
export class ClassifierHead implements Head {
  private fc?: Linear;
  pool: GlobalPoolType;

  constructor(private readonly fcScope: Scope, readonly numFeatures: number, public numClasses: number, pool: string) {
    ({ pool: this.pool, fc: this.fc } = createClassifier(fcScope, numFeatures, numClasses, pool));
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    const pooled = selectAdaptivePool(ops, x, this.pool);
    return preLogits || !this.fc ? pooled : this.fc.forward(ops, pooled);
  }

  reset(numClasses: number, globalPool: string): void {
    this.fcScope.registry.removePrefix(`${this.fcScope.prefix}.`);
    ({ pool: this.pool, fc: this.fc } = createClassifier(this.fcScope, this.numFeatures, numClasses, globalPool));
    this.numClasses = numClasses;
  }
}
