import * as tf from '@tensorflow/tfjs-core';
import type { ParamRef } from './ops';
import type { StateDict } from '../weights/stateDict';
import { formatShape, sameShape } from '../weights/stateDict';

/**
 * Holds a model's weights as tfjs tensors, converting each from PyTorch layout
 * to the layout a tfjs kernel wants the first time it is asked for, and keeping
 * the result (this is the one place where OIHW → HWIO and friends happen).
 */
export class TfjsParams {
  private readonly cache = new Map<string, tf.Tensor>();

  constructor(private readonly stateDict: StateDict) {}

  /** The raw PyTorch-layout tensor. */
  plain(ref: ParamRef): tf.Tensor {
    return this.cached(`${ref.key}|plain`, () => {
      const t = this.source(ref);
      return tf.tensor(t.data, t.shape, 'float32');
    });
  }

  /** A conv weight [O, I/g, kh, kw] as HWIO, optionally only output channels [from, to). */
  convHWIO(ref: ParamRef, from = 0, to = ref.shape[0]): tf.Tensor4D {
    return this.cached(`${ref.key}|hwio|${from}:${to}`, () => {
      const [o, i, kh, kw] = this.source(ref).shape;
      const src = this.source(ref).data;
      const outCh = to - from;
      const dst = new Float32Array(kh * kw * i * outCh);
      for (let oc = 0; oc < outCh; oc++) {
        for (let ic = 0; ic < i; ic++) {
          for (let y = 0; y < kh; y++) {
            for (let x = 0; x < kw; x++) {
              dst[((y * kw + x) * i + ic) * outCh + oc] = src[(((oc + from) * i + ic) * kh + y) * kw + x];
            }
          }
        }
      }
      void o;
      return tf.tensor4d(dst, [kh, kw, i, outCh]);
    }) as tf.Tensor4D;
  }

  /** A depthwise conv weight [C·m, 1, kh, kw] as tfjs's [kh, kw, C, m]. */
  depthwise(ref: ParamRef, inChannels: number): tf.Tensor4D {
    return this.cached(`${ref.key}|dw`, () => {
      const [o, , kh, kw] = this.source(ref).shape;
      const src = this.source(ref).data;
      const mult = o / inChannels;
      const dst = new Float32Array(kh * kw * o);
      for (let c = 0; c < inChannels; c++) {
        for (let m = 0; m < mult; m++) {
          const oc = c * mult + m;
          for (let y = 0; y < kh; y++) {
            for (let x = 0; x < kw; x++) {
              dst[((y * kw + x) * inChannels + c) * mult + m] = src[(oc * kh + y) * kw + x];
            }
          }
        }
      }
      return tf.tensor4d(dst, [kh, kw, inChannels, mult]);
    }) as tf.Tensor4D;
  }

  /** A 1-D slice [from, to) of a vector parameter (bias of one conv group). */
  slice1d(ref: ParamRef, from: number, to: number): tf.Tensor1D {
    return this.cached(`${ref.key}|slice|${from}:${to}`, () => tf.tensor1d(this.source(ref).data.slice(from, to))) as tf.Tensor1D;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }

  private source(ref: ParamRef) {
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
