/**
 * Gradients for the explorer, through the same tfjs ops the forward uses:
 *  - effective receptive field: |∂ activation of one cell / ∂ input pixels|,
 *    summed over RGB (Luo et al. 2016), for a channel or all channels of the cell;
 *  - Grad-CAM (Selvaraju et al. 2017) at forward_features or at any feature level:
 *    ReLU(Σ_c mean_hw(∂ logit / ∂ A_c) · A_c) (see classGradients.ts).
 * Callers load tfjs's gradient registrations first (loadGradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StateDict, TensorData } from '../weights/stateDict';
import { createModel, givenOutputStride, type BuiltModel } from '../zoo/builder';
import { TfjsParams } from '../ops/tfjsParams';
import { TfjsOps } from '../ops/tfjsOps';
import { EngineError } from '../errors';
import { withInputGradients } from './inputGradients';
import { checkLevel, classGradientAtFeatures, classGradientAtLevel, gradCamMap } from './classGradients';

export interface GradientMap {
  height: number;
  width: number;
  /** Row-major H×W float32. */
  data: Float32Array;
}

export interface GradCamMap extends GradientMap {
  classIndex: number;
  logits: Float32Array;
  /** The feature level it is at, and timm's module name for it; absent at forward_features. */
  level?: number;
  module?: string;
}

interface Bound {
  key: string;
  built: BuiltModel;
  params: TfjsParams;
  ops: TfjsOps;
}

/** NCHW input data → the NHWC tensor the op layer runs on. */
function nhwc(x: tf.Tensor): tf.Tensor {
  return tf.transpose(x, [0, 2, 3, 1]);
}

export class GradientRunner {
  private features?: Bound;
  private full?: Bound;

  private bind(slot: 'features' | 'full', key: string, build: () => BuiltModel, stateDict: StateDict): Bound {
    const cur = this[slot];
    if (cur?.key === key) return cur;
    cur?.params.dispose();
    const params = new TfjsParams(stateDict);
    const bound = { key, built: build(), params, ops: new TfjsOps(params) };
    this[slot] = bound;
    return bound;
  }

  /** |∂ y / ∂ x| summed over colour, where y sums level `level`'s cell (row, col) over one channel or all. */
  effectiveReceptiveField(
    m: { model: string; outputStride: number; weightsKey: string; stateDict: StateDict },
    input: TensorData,
    target: { level: number; row: number; col: number; channel?: number },
  ): GradientMap {
    const b = this.bind('features', `${m.model}|os${m.outputStride}|${m.weightsKey}`, () => createModel(m.model, { featuresOnly: true, outputStride: givenOutputStride(m.model, m.outputStride) }), m.stateDict);
    const levels = b.built.model.featureInfo.length;
    if (!Number.isInteger(target.level) || target.level < 0 || target.level >= levels) {
      throw new EngineError('BAD_LEVEL', `level ${target.level} is out of range; allowed: 0..${levels - 1}`);
    }
    const [, , h, w] = input.shape;
    return withInputGradients(() => tf.tidy(() => {
      const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
      const f = (xin: tf.Tensor) => {
        const [y] = b.built.model.forwardLevels(b.ops, nhwc(xin), [target.level]) as tf.Tensor[];
        const [, fh, fw, fc] = y.shape;
        if (target.row < 0 || target.row >= fh || target.col < 0 || target.col >= fw) {
          throw new EngineError('BAD_CELL', `cell (${target.row}, ${target.col}) is outside level ${target.level}'s ${fh}×${fw} map`);
        }
        if (target.channel !== undefined && (target.channel < 0 || target.channel >= fc)) {
          throw new EngineError('BAD_CHANNEL', `channel ${target.channel} is out of range; allowed: 0..${fc - 1}`);
        }
        const c0 = target.channel ?? 0;
        return tf.sum(tf.slice(y, [0, target.row, target.col, c0], [1, 1, 1, target.channel === undefined ? fc : 1]));
      };
      const dx = tf.grad(f)(x);
      const map = tf.reshape(tf.sum(tf.abs(dx), 1), [h, w]);
      return { height: h, width: w, data: map.dataSync() as Float32Array };
    }));
  }

  /**
   * Grad-CAM for a class (default: the top class) at forward_features, or at feature
   * level `level` (an index into feature_info) when given; the map keeps that map's own H×W.
   */
  gradCam(
    m: { model: string; outputStride: number; weightsKey: string; stateDict: StateDict },
    input: TensorData,
    target: { classIndex?: number; level?: number } = {},
  ): GradCamMap {
    const b = this.bind('full', `${m.model}|os${m.outputStride}|${m.weightsKey}`, () => createModel(m.model, { outputStride: givenOutputStride(m.model, m.outputStride) }), m.stateDict);
    const missing = b.built.model.registry.list().find((p) => !m.stateDict.has(p.ref.key));
    if (missing) throw new EngineError('NO_CLASSIFIER', `these weights have no classifier (missing '${missing.ref.key}'): Grad-CAM needs the model's head`);
    const { model } = b.built;
    const { classIndex, level } = target;
    if (level !== undefined) checkLevel(model, level);
    return withInputGradients(() => tf.tidy(() => {
      const x = nhwc(tf.tensor4d(input.data, input.shape as [number, number, number, number]));
      const g = level === undefined ? classGradientAtFeatures(model, b.ops, x, classIndex) : classGradientAtLevel(model, b.ops, x, level, classIndex);
      const cam = gradCamMap(g);
      const [h, w] = cam.shape;
      const at = level === undefined ? {} : { level, module: model.featureInfo[level].module };
      return { height: h, width: w, data: cam.dataSync() as Float32Array, classIndex: g.classIndex, logits: g.logits, ...at };
    }));
  }

  dispose(): void {
    this.features?.params.dispose();
    this.full?.params.dispose();
    this.features = this.full = undefined;
  }
}
