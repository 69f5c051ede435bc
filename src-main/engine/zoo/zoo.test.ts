/**
 * Loops over the whole registry: every model builds, its feature_info is
 * coherent, its shapes (predicted without weights) match a real forward at an
 * odd, non-square size, and the forward leaks no tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { listEntries } from './registry';
import { createModel, givenOutputStride } from './builder';
import { describeLevels, resolveSettings } from './describe';
import { formulaInput, formulaStateDict } from '../weights/formula';
import { TfjsPreparedModel } from '../ops/tfjsExecutor';
import { ShapeOps } from '../ops/shapeOps';
import { nearestFittingSides, sideFits, type InputSizeRule } from '../../../src-shared/inputSizeRule';

beforeAll(async () => {
  await initBackend('wasm');
});

const entries = listEntries();

/** 67×93, or for a model with an input-size rule the first odd sides from 57 and 93 on that it takes (HRNet: 61×93, DLA: 63×95, Inception-V3: 75×93). */
function oddSize(rule?: InputSizeRule): [number, number] {
  if (!rule) return [67, 93];
  const fit = (n: number): number => (sideFits(rule, n) && n % 2 === 1 ? n : fit(n + 1));
  return [fit(57), fit(93)];
}

/** The smallest side from 64 on that the model takes. */
const warmSide = (rule?: InputSizeRule): number => (rule ? nearestFittingSides(rule, 64).at(-1)! : 64);

describe('registry', () => {
  it('registers every model once, with a family and pretrained facts', () => {
    const names = entries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(48);
    for (const e of entries) {
      expect(e.family).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(e.pretrained.length).toBeGreaterThan(0);
      expect(e.outputStrides).toContain(32);
    }
  });
});

describe.each(entries.map((e) => [e.name, e] as const))('%s', (name, entry) => {
  it('has a coherent feature_info and parameter count', () => {
    const { model } = createModel(name);
    const fi = model.featureInfo;
    expect(fi.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < fi.length; i++) expect(fi[i].reduction).toBeGreaterThanOrEqual(fi[i - 1].reduction);
    expect(new Set(fi.map((f) => f.module)).size).toBe(fi.length);
    expect(model.registry.parameterCount()).toBeGreaterThan(1_000_000);
    // timm's num_features is forward_features' width: the deepest level's, unless a tail follows (EfficientNet's conv_head).
    expect(model.numFeatures).toBe(model.forwardFeatures(new ShapeOps(), { n: 1, c: 3, h: 224, w: 224 }).c);
  });

  it('computes the declared shapes at an odd size without leaking tensors', () => {
    const os = Math.min(...entry.outputStrides);
    const r = resolveSettings(entry, { outputStride: os });
    // An odd, non-square size the model takes (see oddSize).
    const [oh, ow] = oddSize(entry.inputSizeRule);
    const warm = warmSide(entry.inputSizeRule);
    const predicted = describeLevels({ ...r, inputSize: [oh, ow] });
    const built = createModel(name, { featuresOnly: true, outputStride: givenOutputStride(name, os) });
    const prepared = new TfjsPreparedModel(built, formulaStateDict(built.model.registry.list().map((p) => p.ref)));
    try {
      prepared.runLevelsSync({ shape: [1, 3, warm, warm], data: formulaInput([1, 3, warm, warm]) }, built.outIndices); // fills the weight cache
      const before = tf.memory().numTensors;
      const outs = prepared.runLevelsSync({ shape: [1, 3, oh, ow], data: formulaInput([1, 3, oh, ow]) }, built.outIndices);
      expect(tf.memory().numTensors).toBe(before);
      expect(outs.map((o) => o.shape.slice(1))).toEqual(predicted.map((p) => p.shape));
      expect(outs.map((o) => o.shape[1])).toEqual(built.featureInfo.map((f) => f.numChs));
      for (const o of outs) expect(o.data.every(Number.isFinite)).toBe(true);
    } finally {
      prepared.dispose();
    }
  });
});
