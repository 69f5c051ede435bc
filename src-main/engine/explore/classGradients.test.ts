/** Grad-CAM at a feature level: the level tap's gradient checked against finite differences and against forward_features. */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { createModel, type BuiltModel } from '../zoo/builder';
import { formulaInput, formulaStateDict } from '../weights/formula';
import type { StateDict, TensorData } from '../weights/stateDict';
import { TfjsOps } from '../ops/tfjsOps';
import { TfjsParams } from '../ops/tfjsParams';
import { EngineError } from '../errors';
import { loadGradients } from './registerGradients';
import { withInputGradients } from './inputGradients';
import { classGradientAtLevel } from './classGradients';
import { GradientRunner } from './gradients';

beforeAll(async () => {
  await initBackend('wasm');
  await loadGradients();
});

const SIDE = 64;
const input: TensorData = { shape: [1, 3, SIDE, SIDE], data: formulaInput([1, 3, SIDE, SIDE]) };
const nhwcInput = (): tf.Tensor => tf.transpose(tf.tensor4d(input.data, [1, 3, SIDE, SIDE]), [0, 2, 3, 1]);
const weightsFor = (built: BuiltModel): StateDict => formulaStateDict(built.model.registry.list().map((p) => p.ref));

/** resnet18 with formula weights and its classifier, as the runner binds it. */
const resnet = createModel('resnet18');
const resnetWeights = weightsFor(resnet);
const m = { model: 'resnet18', outputStride: 32, weightsKey: 'formula', stateDict: resnetWeights };
const runner = new GradientRunner();
afterAll(() => runner.dispose());

/** Sample 0's logit of `cls` with `bump` added to one element [row, col, channel] of level `level`. */
function bumpedLogit(b: { built: BuiltModel; ops: TfjsOps }, level: number, cls: number, at: [number, number, number], bump: number): number {
  return tf.tidy(() => {
    const f = b.built.model.forwardFeatures(b.ops, nhwcInput(), (l, v) => {
      if (l !== level) return v;
      const e = tf.buffer(v.shape);
      e.set(bump, 0, ...at);
      return tf.add(v, e.toTensor());
    });
    return b.built.model.forwardHead(b.ops, f).dataSync()[cls];
  });
}

/** ∂logit/∂A_L from the tap, against central differences at the cells where it is largest. */
function checkAgainstFiniteDifferences(name: string, level: number, cls: number): void {
  const built = createModel(name);
  const params = new TfjsParams(weightsFor(built));
  const b = { built, ops: new TfjsOps(params) };
  try {
    withInputGradients(() => {
      const { grad, shape, activationError } = tf.tidy(() => {
        const g = classGradientAtLevel(built.model, b.ops, nhwcInput(), level, cls);
        // A is the level itself, as a plain forwardLevels gives it.
        const [plain] = built.model.forwardLevels(b.ops, nhwcInput(), [level]);
        return { grad: g.gradient.dataSync() as Float32Array, shape: g.gradient.shape, activationError: tf.max(tf.abs(tf.sub(g.activation, plain))).dataSync()[0] };
      });
      expect(activationError).toBe(0);
      const [, h, w, c] = shape;
      const at = (i: number): [number, number, number] => [Math.floor(i / (w * c)), Math.floor(i / c) % w, i % c];
      const largest = [...grad.keys()].sort((i, j) => Math.abs(grad[j]) - Math.abs(grad[i])).slice(0, 3);
      const scale = Math.abs(grad[largest[0]]);
      expect(scale).toBeGreaterThan(0);
      expect(h * w * c).toBe(grad.length);
      // The nets are piecewise linear in A (ReLU, BN, conv, pooling): a step this size rarely crosses a kink,
      // and float32 rounding of the logits moves the differences by about 1% of the largest gradient here.
      const eps = 3e-2;
      for (const i of largest) {
        const fd = (bumpedLogit(b, level, cls, at(i), eps) - bumpedLogit(b, level, cls, at(i), -eps)) / (2 * eps);
        expect(Math.abs(fd - grad[i])).toBeLessThanOrEqual(0.05 * scale);
      }
    });
  } finally {
    params.dispose();
  }
}

describe('Grad-CAM at a feature level', () => {
  it('at the last level equals Grad-CAM at forward_features (ResNet: both are layer4)', () => {
    const atFeatures = runner.gradCam(m, input);
    const atLast = runner.gradCam(m, input, { level: 4 });
    expect(atFeatures.level).toBeUndefined();
    expect([atLast.level, atLast.module]).toEqual([4, 'layer4']);
    expect([atLast.height, atLast.width]).toEqual([atFeatures.height, atFeatures.width]);
    expect(atLast.classIndex).toBe(atFeatures.classIndex);
    const scale = Math.max(...atFeatures.data);
    expect(scale).toBeGreaterThan(0);
    atFeatures.data.forEach((v, i) => expect(Math.abs(atLast.data[i] - v)).toBeLessThanOrEqual(1e-4 * scale));
  });

  it("at a shallower level has that level's H×W and says which module it is at", () => {
    const built = createModel('resnet18', { featuresOnly: true });
    const cam = runner.gradCam(m, input, { level: 2, classIndex: 7 });
    expect([cam.level, cam.module, cam.classIndex]).toEqual([2, 'layer2', 7]);
    expect(built.featureInfo[2].reduction).toBe(8);
    expect([cam.height, cam.width]).toEqual([SIDE / 8, SIDE / 8]);
    expect(cam.data.length).toBe(cam.height * cam.width);
    expect(cam.data.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
  });

  it('takes the gradient of the class logit at the level (central differences, resnet18 layer2)', () => {
    checkAgainstFiniteDifferences('resnet18', 2, 7);
  });

  it('takes it inside an xception block too, where timm hooks the level (xception41 level 1)', () => {
    checkAgainstFiniteDifferences('xception41', 1, 3);
  });

  it('leaves no tensors behind', () => {
    runner.gradCam(m, input, { level: 1 });
    const before = tf.memory().numTensors;
    runner.gradCam(m, input, { level: 1 });
    runner.gradCam(m, input, { level: 3, classIndex: 5 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a level out of range, naming the allowed ones, and leaks nothing doing so', () => {
    runner.gradCam(m, input, { level: 0 });
    const before = tf.memory().numTensors;
    for (const level of [5, -1, 1.5]) {
      const e = (() => {
        try {
          runner.gradCam(m, input, { level });
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('BAD_LEVEL');
      expect((e as Error).message).toContain(`level ${level} is out of range; allowed: 0..4`);
    }
    expect(() => runner.gradCam(m, input, { level: 2, classIndex: 1000 })).toThrow(/class 1000 is out of range; allowed: 0..999/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
