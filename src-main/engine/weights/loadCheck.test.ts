import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { createModel } from '../zoo/builder';
import { formulaStateDict } from './formula';
import { checkWeights, loadCheck } from './loadCheck';
import type { StateDict } from './stateDict';

function weightsOf(name: string, o: Parameters<typeof createModel>[1] = {}): StateDict {
  const { model } = createModel(name, o);
  return formulaStateDict(model.registry.list().map((p) => ({ key: p.ref.key, shape: p.ref.shape })));
}

describe('loadCheck', () => {
  const resnet50 = weightsOf('resnet50');

  it('a matching state dict is clean (registry or its list)', () => {
    const { model } = createModel('resnet50');
    expect(loadCheck(model.registry, resnet50)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(loadCheck(model.registry.list(), resnet50)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(checkWeights(model.registry, resnet50).missing).toEqual([]);
  });

  it('reports missing, unexpected and mismatched keys', () => {
    const { model } = createModel('resnet50');
    const sd: StateDict = new Map(resnet50);
    sd.delete('layer1.0.conv1.weight');
    sd.set('extra.weight', { shape: [1], data: new Float32Array(1) });
    sd.set('conv1.weight', { shape: [64, 3, 3, 3], data: new Float32Array(64 * 27) });
    const r = loadCheck(model.registry, sd);
    expect(r.missing).toEqual(['layer1.0.conv1.weight']);
    expect(r.unexpected).toEqual(['extra.weight']);
    expect(r.mismatched).toEqual([{ key: 'conv1.weight', expected: [64, 3, 7, 7], found: [64, 3, 3, 3] }]);
  });

  it('ignores num_batches_tracked counters', () => {
    const { model } = createModel('resnet50');
    const sd: StateDict = new Map(resnet50);
    sd.set('bn1.num_batches_tracked', { shape: [], data: new Float32Array(1) });
    expect(loadCheck(model.registry, sd).unexpected).toEqual([]);
  });

  it('features-only: the checkpoint classifier is dropped, as timm does', () => {
    const { model } = createModel('resnet50', { featuresOnly: true });
    expect(model.registry.list().some((p) => p.head)).toBe(false);
    // strict would call fc.weight / fc.bias unexpected …
    expect(loadCheck(model.registry, resnet50).unexpected).toEqual(['fc.weight', 'fc.bias']);
    // … timm drops them.
    expect(loadCheck(model.registry, resnet50, { featuresOnly: true })).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(() => checkWeights(model.registry, resnet50, { featuresOnly: true })).not.toThrow();
  });

  it('changed num_classes: head shape mismatch ignored, other mismatches still caught', () => {
    const { model } = createModel('resnet50', { numClasses: 10 });
    const strict = loadCheck(model.registry, resnet50);
    expect(strict.mismatched.map((m) => m.key)).toEqual(['fc.weight', 'fc.bias']);
    expect(loadCheck(model.registry, resnet50, { numClasses: 10, pretrainedNumClasses: 1000 })).toEqual({ missing: [], unexpected: [], mismatched: [] });
    // Same num_classes: the head counts.
    expect(loadCheck(model.registry, resnet50, { numClasses: 1000, pretrainedNumClasses: 1000 }).mismatched).toHaveLength(2);
  });

  it('num_classes=0 with a checkpoint head whose module name the model never declared (densenet classifier)', () => {
    const dn = weightsOf('densenet121');
    const { model } = createModel('densenet121', { numClasses: 0 });
    expect(loadCheck(model.registry, dn, { numClasses: 0, pretrainedNumClasses: 1000 })).toEqual({ missing: [], unexpected: [], mismatched: [] });
    // An explicit classifier list overrides the defaults.
    expect(loadCheck(model.registry, dn, { ignoreHead: true, classifierModules: ['fc'] }).unexpected).toEqual(['classifier.weight', 'classifier.bias']);
  });

  it('weights for another architecture read clearly', () => {
    const { model } = createModel('resnet50');
    const vov = weightsOf('ese_vovnet19b_dw');
    const declared = model.registry.list().length;
    let err: unknown;
    try {
      checkWeights(model.registry, vov, { model: 'resnet50', source: 'timm/ese_vovnet19b_dw.ra_in1k' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    const e = err as EngineError;
    expect(e.code).toBe('WEIGHTS_MISMATCH');
    expect(e.message).toMatch(/^weights do not fit resnet50: /);
    expect(e.message).toMatch(/looks like weights for another architecture/);
    expect(e.message).toContain('timm/ese_vovnet19b_dw.ra_in1k');
    const r = e.details as { missing: string[]; unexpected: string[]; mismatched: unknown[] };
    expect(r.missing.length + r.mismatched.length).toBeGreaterThan(declared / 2);
    expect(r.unexpected.length).toBeGreaterThan(0);
    expect(e.message).toMatch(/more\)/); // first few keys only
  });

  it('an empty state dict: every key missing', () => {
    const { model } = createModel('resnet18');
    const n = model.registry.list().length;
    expect(() => checkWeights(model.registry, new Map())).toThrow(new RegExp(`${n} of ${n} keys missing.*'conv1\\.weight'.*another architecture`));
  });

  it('resnet18 weights into resnet50', () => {
    const { model } = createModel('resnet50');
    expect(() => checkWeights(model.registry, weightsOf('resnet18'))).toThrow(/keys missing.*wrong shape.*another architecture/);
  });
});
