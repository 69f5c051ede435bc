import type { Activation, Ops, ParamRef } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { checkGlobalPool, selectAdaptivePool, type GlobalPoolType, type Head } from './classifier';
import { LayerNorm } from './layerNorm';
import { Linear } from './linear';

export interface NormMlpHeadOptions {
  /** pre_logits: a Linear + activation of this width before fc (timm's hidden_size); none when absent. */
  hiddenSize?: number;
  /** pre_logits' activation: timm's default is tanh; ConvNeXt passes gelu. */
  act?: Activation;
  /** head.norm's eps. */
  eps?: number;
}

/**
 * The head's last Linear. Unpooled (global_pool ''), timm makes it a 1×1 Conv2d, whose
 * weight is [O, I, 1, 1] in the state dict; pooled it is an nn.Linear, [O, I].
 */
class HeadFc {
  readonly weight: ParamRef;
  readonly bias: ParamRef;

  constructor(scope: Scope, inFeatures: number, outFeatures: number, readonly conv: boolean) {
    this.weight = scope.param('weight', conv ? [outFeatures, inFeatures, 1, 1] : [outFeatures, inFeatures]);
    this.bias = scope.param('bias', [outFeatures]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    if (!this.conv) return ops.linear(x, this.weight, this.bias);
    return ops.conv2d(x, this.weight, { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: this.bias });
  }
}

/**
 * timm's NormMlpClassifierHead (ConvNeXt, and the hybrid transformers): global pool →
 * `norm` (LayerNorm over channels) → flatten → optional `pre_logits` (Linear + act) → `fc`.
 * With global_pool '' nothing is pooled or flattened: the norm and the Linears act at
 * every position and the output stays a map.
 *
 * Only `fc` is the classifier (pretrained_cfg 'classifier' = 'head.fc'); `norm` and
 * `pre_logits` are trunk weights that timm loads whatever num_classes is.
 */
export class NormMlpClassifierHead implements Head {
  readonly norm: LayerNorm;
  private readonly preLogits?: Linear;
  private fc?: HeadFc;
  pool: GlobalPoolType = 'avg';
  numClasses = 0;
  /** What forward(preLogits = true) returns per position: hidden_size, else in_features. */
  readonly numFeatures: number;

  constructor(private readonly scope: Scope, readonly inFeatures: number, numClasses: number, pool: string, private readonly o: NormMlpHeadOptions = {}) {
    this.norm = new LayerNorm(scope.child('norm'), inFeatures, o.eps);
    // timm swaps pre_logits.fc between Linear and 1×1 conv on reset, copying its weight
    // reshaped: the same function, so it stays one Linear here (ops.linear works on maps too)
    // and keeps the [O, I] key a checkpoint has.
    if (o.hiddenSize) this.preLogits = new Linear(scope.child('pre_logits').child('fc'), inFeatures, o.hiddenSize);
    this.numFeatures = o.hiddenSize || inFeatures;
    this.build(numClasses, pool);
  }

  private checkPool(pool: string): GlobalPoolType {
    const checked = checkGlobalPool(pool);
    // catavgmax doubles the pooled width, which head.norm (sized in_features) cannot take: timm fails in forward.
    if (checked === 'catavgmax') throw new RangeError(`global_pool 'catavgmax' does not fit this head (head.norm has ${this.inFeatures} channels); use 'avg', 'max', 'avgmax' or ''`);
    return checked;
  }

  private build(numClasses: number, pool: string): void {
    const checked = this.checkPool(pool);
    this.pool = checked;
    this.numClasses = numClasses;
    this.fc = numClasses > 0 ? new HeadFc(this.scope.child('fc').asHead(), this.numFeatures, numClasses, checked === '') : undefined;
  }

  forward<T>(ops: Ops<T>, x: T, preLogits = false): T {
    // Pool and flatten before the norm: LayerNorm over C of a [N, C] value is LayerNorm2d of [N, C, 1, 1].
    let y = this.norm.forward(ops, selectAdaptivePool(ops, x, this.pool));
    if (this.preLogits) y = ops.activation(this.preLogits.forward(ops, y), this.o.act ?? 'tanh');
    return preLogits || !this.fc ? y : this.fc.forward(ops, y);
  }

  reset(numClasses: number, globalPool: string): void {
    this.checkPool(globalPool);
    this.scope.registry.removePrefix(`${this.scope.prefix}.fc.`);
    this.build(numClasses, globalPool);
  }
}
