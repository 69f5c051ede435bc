import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { createModel } from '../zoo/builder';
import { formulaInput, formulaStateDict } from '../weights/formula';
import type { TensorData } from '../weights/stateDict';
import { TfjsPreparedModel } from './tfjsExecutor';
import { TfjsOps } from './tfjsOps';
import { TfjsParams } from './tfjsParams';
import { NO_FUSION } from './fusionPlan';

beforeAll(async () => {
  await initBackend('wasm');
});

const input = (h: number, w: number): TensorData => ({ shape: [1, 3, h, w], data: formulaInput([1, 3, h, w]) });

/** The model's levels through plain TfjsOps: no fusion, the op layer exactly as the model calls it. */
function unfusedLevels(name: string, x: TensorData): TensorData[] {
  const built = createModel(name, { featuresOnly: true });
  const params = new TfjsParams(formulaStateDict(built.model.registry.list().map((p) => p.ref)));
  const ops = new TfjsOps(params);
  const outs = tf.tidy(() => {
    const nhwc = tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1]);
    return ops.withPlan(NO_FUSION, () => built.model.forwardLevels(ops, nhwc, built.outIndices)).map((y) => tf.transpose(y, [0, 3, 1, 2]));
  });
  const data = outs.map((y) => ({ shape: [...y.shape], data: y.dataSync() as Float32Array }));
  tf.dispose(outs);
  params.dispose();
  return data;
}

describe('TfjsPreparedModel', () => {
  // resnet18: conv→bn→relu everywhere; regnetx_002: grouped convs; ese_vovnet19b_dw: depthwise and ESE gates.
  for (const name of ['resnet18', 'regnetx_002', 'ese_vovnet19b_dw']) {
    it(`${name}: folded and fused, it computes the unfused numbers`, () => {
      const x = input(64, 80);
      const built = createModel(name, { featuresOnly: true });
      const prepared = new TfjsPreparedModel(built, formulaStateDict(built.model.registry.list().map((p) => p.ref)));
      const fused = prepared.runSync(x);
      prepared.dispose();
      const plain = unfusedLevels(name, x);
      expect(fused.map((f) => f.shape)).toEqual(plain.map((p) => p.shape));
      fused.forEach((f, i) => {
        let worst = 0;
        let scale = 0;
        for (let k = 0; k < f.data.length; k++) {
          worst = Math.max(worst, Math.abs(f.data[k] - plain[i].data[k]));
          scale = Math.max(scale, Math.abs(plain[i].data[k]));
        }
        expect(worst / scale, `level ${i}`).toBeLessThan(1e-5);
      });
    });
  }

  it('builds every weight on its first call, whatever that call asks for', () => {
    const built = createModel('resnet18', { featuresOnly: true });
    const before = tf.memory().numTensors;
    const prepared = new TfjsPreparedModel(built, formulaStateDict(built.model.registry.list().map((p) => p.ref)));
    prepared.runLevelsSync(input(32, 32), [0]);
    const afterFirst = tf.memory().numTensors;
    expect(afterFirst).toBeGreaterThan(before + 20); // all of resnet18's convs, not just the stem
    prepared.runLevelsSync(input(45, 61), [1, 4]);
    prepared.runSync(input(64, 64));
    expect(tf.memory().numTensors).toBe(afterFirst);
    prepared.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
