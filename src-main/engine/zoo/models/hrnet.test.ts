/** HRNet's parallel levels: which levels the tap sees, the head reading tapped branches, and the input sizes it takes. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { createModel } from '../builder';
import { describeLevels, resolveSettings } from '../describe';
import { getEntry } from '../registry';
import { ShapeOps } from '../../ops/shapeOps';
import { TfjsOps } from '../../ops/tfjsOps';
import { TfjsParams } from '../../ops/tfjsParams';
import { formulaInput, formulaStateDict } from '../../weights/formula';
import type { Conv2dOptions, Dims4, ParamRef } from '../../ops/ops';

beforeAll(async () => {
  await initBackend('wasm');
});

/** ShapeOps that counts convs, to tell how much of the network a call ran. */
class CountingShapeOps extends ShapeOps {
  convs = 0;
  override conv2d(x: Dims4, weight: ParamRef, o: Conv2dOptions): Dims4 {
    this.convs++;
    return super.conv2d(x, weight, o);
  }
}

const input = { n: 1, c: 3, h: 64, w: 64 };

describe('hrnet', () => {
  it('states the stem and the four incre branches as timm does, the branches marked', () => {
    const { model } = createModel('hrnet_w18_small', { featuresOnly: true });
    expect(model.featureInfo).toEqual([
      { numChs: 64, reduction: 2, module: 'stem' },
      { numChs: 128, reduction: 4, module: 'stage1', branch: 0 },
      { numChs: 256, reduction: 8, module: 'stage2', branch: 1 },
      { numChs: 512, reduction: 16, module: 'stage3', branch: 2 },
      { numChs: 1024, reduction: 32, module: 'stage4', branch: 3 },
    ]);
  });

  it('runs only the stem for level 0, and shows the tap every level up to the deepest wanted', () => {
    const { model } = createModel('hrnet_w18_small', { featuresOnly: true });
    const stemOnly = new CountingShapeOps();
    const seen: number[] = [];
    model.forwardLevels(stemOnly, input, [0], (l, v) => (seen.push(l), v));
    expect(stemOnly.convs).toBe(1);
    expect(seen).toEqual([0]);

    seen.length = 0;
    const toTwo = new CountingShapeOps();
    const [d] = model.forwardLevels(toTwo, input, [2], (l, v) => (seen.push(l), v));
    expect(seen).toEqual([0, 1, 2]);
    expect([d.c, d.h, d.w]).toEqual([256, 8, 8]);
    // Without a tap, the incre module of an unwanted branch does not run.
    const untapped = new CountingShapeOps();
    model.forwardLevels(untapped, input, [2]);
    expect(untapped.convs).toBeLessThan(toTwo.convs);
  });

  it('returns the tapped branch values, and forward_features reads them', () => {
    const built = createModel('hrnet_w18_small');
    const ops = new TfjsOps(new TfjsParams(formulaStateDict(built.model.registry.list().map((p) => p.ref))));
    const x = tf.transpose(tf.tensor4d(formulaInput([1, 3, 64, 64]), [1, 3, 64, 64]), [0, 2, 3, 1]);
    try {
      tf.tidy(() => {
        const [zeroed] = built.model.forwardLevels(ops, x, [3], (l, v) => (l === 3 ? tf.zerosLike(v) : v));
        expect(tf.max(tf.abs(zeroed)).dataSync()[0]).toBe(0);
        const plain = built.model.forwardFeatures(ops, x);
        for (const level of [1, 2, 3, 4]) {
          const bumped = built.model.forwardFeatures(ops, x, (l, v) => (l === level ? tf.add(v, 1) : v));
          expect(tf.max(tf.abs(tf.sub(bumped, plain))).dataSync()[0], `level ${level}`).toBeGreaterThan(0);
        }
      });
    } finally {
      x.dispose();
    }
  });

  it('refuses input sides its fuse layers cannot add up, as timm raises, and takes the ones they can', () => {
    const entry = getEntry('hrnet_w18');
    expect(() => describeLevels(resolveSettings(entry, { inputSize: [67, 93] }))).toThrow(/input size 67×93.*multiple of 8/);
    expect(describeLevels(resolveSettings(entry, { inputSize: [61, 93] })).map((l) => l.shape)).toEqual([
      [64, 31, 47],
      [128, 16, 24],
      [256, 8, 12],
      [512, 4, 6],
      [1024, 2, 3],
    ]);
  });
});
