import * as tf from '@tensorflow/tfjs-core';
import type { BatchNormParams, ParamRef } from './ops';
import type { StateDict, TensorData } from '../weights/stateDict';
import { formatShape, sameShape } from '../weights/stateDict';
import { foldBatchNorm, toBlockDiagonal, toDepthwise, toGroupExpand, toHwio } from './convLayouts';

/**
 * How a conv runs on tfjs, which decides its weight layout:
 * - dense: one conv2d, HWIO
 * - depthwise: groups = in channels, one depthwiseConv2d [kh, kw, C, m]
 * - split: one conv2d per group on its channel slice, then concat
 * - expand: depthwiseConv2d with multiplier O/g, then a sum within each group
 * - blockDiagonal: one dense conv2d whose weight is zero off the group blocks
 */
export type ConvForm = 'dense' | 'depthwise' | 'split' | 'expand' | 'blockDiagonal';

/** A conv's weights in one form: one filter (per group for `split`) and its bias, if any. */
export interface ConvWeights {
  filters: tf.Tensor4D[];
  biases?: tf.Tensor1D[];
}

/**
 * Holds a model's weights as tfjs tensors, converting each from PyTorch layout
 * to the layout a tfjs kernel wants the first time it is asked for, and keeping
 * the result (this is the one place where OIHW → HWIO and friends happen, and
 * where BatchNorms are folded into convs).
 */
export class TfjsParams {
  private readonly cache = new Map<string, tf.Tensor>();
  private readonly convCache = new Map<string, ConvWeights>();

  constructor(private readonly stateDict: StateDict) {}

  /** The raw PyTorch-layout tensor. */
  plain(ref: ParamRef): tf.Tensor {
    return this.cached(`${ref.key}|plain`, () => {
      const t = this.source(ref);
      return tf.tensor(t.data, t.shape, 'float32');
    });
  }

  /**
   * A conv's filter(s) and bias in `form`, with `bn` folded in when given
   * (the bias is then the folded one, present even if the conv has none).
   */
  conv(weight: ParamRef, form: ConvForm, groups: number, bias?: ParamRef, bn?: BatchNormParams): ConvWeights {
    const id = `${weight.key}|${form}|${bias?.key ?? ''}|${bn?.weight.key ?? ''}`;
    let hit = this.convCache.get(id);
    if (!hit) {
      hit = this.makeConv(weight, form, groups, bias, bn);
      for (const t of [...hit.filters, ...(hit.biases ?? [])]) tf.keep(t);
      this.convCache.set(id, hit);
    }
    return hit;
  }

  private makeConv(weightRef: ParamRef, form: ConvForm, groups: number, biasRef?: ParamRef, bn?: BatchNormParams): ConvWeights {
    let weight: TensorData = this.source(weightRef);
    let bias = biasRef ? this.source(biasRef).data : undefined;
    if (bn) {
      ({ weight, bias } = foldBatchNorm(weight, bias, {
        weight: this.source(bn.weight).data,
        bias: this.source(bn.bias).data,
        runningMean: this.source(bn.runningMean).data,
        runningVar: this.source(bn.runningVar).data,
        eps: bn.eps,
      }));
    }
    const filter = (t: TensorData) => tf.tensor4d(t.data, t.shape as [number, number, number, number]);
    if (form === 'split') {
      const outPer = weight.shape[0] / groups;
      const parts = [...Array(groups).keys()];
      return {
        filters: parts.map((g) => filter(toHwio(weight, g * outPer, (g + 1) * outPer))),
        biases: bias && parts.map((g) => tf.tensor1d((bias as Float32Array).slice(g * outPer, (g + 1) * outPer))),
      };
    }
    const inChannels = weight.shape[1] * groups;
    const layouts: Record<Exclude<ConvForm, 'split'>, () => TensorData> = {
      dense: () => toHwio(weight),
      depthwise: () => toDepthwise(weight, inChannels),
      expand: () => toGroupExpand(weight, groups),
      blockDiagonal: () => toBlockDiagonal(weight, groups),
    };
    return { filters: [filter(layouts[form]())], biases: bias && [tf.tensor1d(bias)] };
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    for (const w of this.convCache.values()) tf.dispose([...w.filters, ...(w.biases ?? [])]);
    this.cache.clear();
    this.convCache.clear();
  }

  private source(ref: ParamRef): TensorData {
    const t = this.stateDict.get(ref.key);
    if (!t) throw new Error(`weights have no tensor '${ref.key}'`);
    if (!sameShape(t.shape, ref.shape)) {
      throw new Error(`weights tensor '${ref.key}' has shape ${formatShape(t.shape)}, model expects ${formatShape(ref.shape)}`);
    }
    return t;
  }

  private cached(id: string, make: () => tf.Tensor): tf.Tensor {
    let t = this.cache.get(id);
    if (!t) {
      // Built lazily, possibly inside a tf.tidy: keep it past that scope.
      t = tf.keep(make());
      this.cache.set(id, t);
    }
    return t;
  }
}
