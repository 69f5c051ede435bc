/**
 * What Grad-CAM needs: a feature map A and ∂ logit_class / ∂ A, either at
 * forward_features (the head's input) or at any feature level L inside the
 * network. For L, a zero tensor δ is added to A_L through the model's level
 * tap: the forward continues from A_L + δ (numerically A_L), so
 * ∂ logit/∂δ = ∂ logit/∂A_L — one forward pass, and tfjs backpropagates only
 * from the logits down to L. Call these inside tf.tidy; tensors are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ops } from '../ops/ops';
import { ShapeOps } from '../ops/shapeOps';
import type { TimmModel } from '../zoo/model';
import { EngineError } from '../errors';

export interface ClassGradient {
  /** The feature map A. */
  activation: tf.Tensor;
  /** ∂ logit[classIndex] / ∂ A, A's shape. */
  gradient: tf.Tensor;
  classIndex: number;
  logits: Float32Array;
}

export function checkLevel(model: TimmModel, level: number): void {
  const n = model.featureInfo.length;
  if (!Number.isInteger(level) || level < 0 || level >= n) {
    throw new EngineError('BAD_LEVEL', `level ${level} is out of range; allowed: 0..${n - 1}`, { level, levels: n });
  }
}

function checkClass(classIndex: number, numClasses: number): void {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= numClasses) {
    throw new EngineError('BAD_CLASS', `class ${classIndex} is out of range; allowed: 0..${numClasses - 1}`);
  }
}

const argmax = (v: Float32Array): number => v.indexOf(Math.max(...v));
/** Sample 0's logit of class `cls`, as a scalar. */
const pick = (logits: tf.Tensor, cls: number): tf.Scalar => tf.sum(tf.slice(logits, [0, cls], [1, 1]));

/** The logit of `classIndex` (default: the top class) for sample 0, with every logit. */
function classLogit(model: TimmModel, ops: Ops<tf.Tensor>, features: tf.Tensor, classIndex: number | undefined): { y: tf.Scalar; classIndex: number; logits: Float32Array } {
  const out = model.forwardHead(ops, features);
  const logits = Float32Array.from(out.dataSync());
  const cls = classIndex ?? argmax(logits);
  checkClass(cls, logits.length);
  return { y: pick(out, cls), classIndex: cls, logits };
}

/** At forward_features: one forward to the head's input, then a gradient through the head only. */
export function classGradientAtFeatures(model: TimmModel, ops: Ops<tf.Tensor>, x: tf.Tensor, classIndex?: number): ClassGradient {
  if (classIndex !== undefined) checkClass(classIndex, model.numClasses);
  const a = model.forwardFeatures(ops, x);
  const { classIndex: cls, logits } = classLogit(model, ops, a, classIndex);
  const gradient = tf.grad((av: tf.Tensor) => pick(model.forwardHead(ops, av), cls))(a);
  return { activation: a, gradient, classIndex: cls, logits };
}

/** At feature level `level` (an index into the model's feature_info), through the level tap. */
export function classGradientAtLevel(model: TimmModel, ops: Ops<tf.Tensor>, x: tf.Tensor, level: number, classIndex?: number): ClassGradient {
  checkLevel(model, level);
  if (classIndex !== undefined) checkClass(classIndex, model.numClasses);
  const [n, h, w, c] = x.shape;
  // δ's shape from a shape-only run: microseconds, no weights, no second numeric forward.
  const [d] = model.forwardLevels(new ShapeOps(), { n, c, h, w }, [level]);
  const delta = tf.zeros([d.n, d.h, d.w, d.c]);
  // Filled in by the forward that tf.grad runs (a holder object: TS cannot see assignments in callbacks).
  const seen: { a?: tf.Tensor; classIndex?: number; logits?: Float32Array } = {};
  try {
    const gradient = tf.grad((dl: tf.Tensor) => {
      const features = model.forwardFeatures(ops, x, (l, v) => {
        if (l !== level) return v;
        const a = tf.add(v, dl);
        // tf.grad frees its forward's intermediates; A_L must outlive it for the map. Disposed below.
        seen.a = tf.keep(a);
        return a;
      });
      const r = classLogit(model, ops, features, classIndex);
      seen.classIndex = r.classIndex;
      seen.logits = r.logits;
      return r.y;
    })(delta);
    if (!seen.a || seen.classIndex === undefined || !seen.logits) throw new Error(`forward_features never produced feature level ${level}`);
    // A clone belongs to the caller's tidy; the kept original goes in `finally`.
    return { activation: tf.clone(seen.a), gradient, classIndex: seen.classIndex, logits: seen.logits };
  } finally {
    seen.a?.dispose();
  }
}

/** Grad-CAM from A and ∂y/∂A (NHWC, sample 0): ReLU(Σ_c mean_hw(∂y/∂A_c) · A_c), [H, W]. */
export function gradCamMap(g: ClassGradient): tf.Tensor2D {
  const weights = tf.mean(g.gradient, [1, 2], true);
  const cam = tf.relu(tf.sum(tf.mul(weights, g.activation), 3));
  const [, h, w] = cam.shape;
  return tf.reshape(tf.slice(cam, [0, 0, 0], [1, h, w]), [h, w]);
}
