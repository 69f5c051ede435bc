import { describe, expect, it } from 'vitest';
import { createModel, normalizeOutIndices } from './builder';
import { refusal } from '../../testing/refusal';

describe('out_indices', () => {
  it('counts negative indices from the end and sorts', () => {
    expect(normalizeOutIndices([-1, 1], 5)).toEqual([1, 4]);
    expect(normalizeOutIndices([3, 0], 5)).toEqual([0, 3]);
  });

  it.each([
    [[5], 5, /out_indices value 5 is out of range.*0\.\.4/],
    [[-6], 5, /value -6 is out of range/],
    [[], 5, /out_indices is empty/],
    [[1, 1], 5, /names level 1 twice/],
    [[1, -4], 5, /names level 1 twice/],
    [[1.5], 5, /value 1.5/],
  ])('refuses %j for %i levels', (indices, levels, message) => {
    const e = refusal(() => normalizeOutIndices(indices, levels));
    expect(e.code).toBe('BAD_OUT_INDICES');
    expect(e.message).toMatch(message);
  });
});

describe('createModel', () => {
  it('applies output_stride by dilation and reports timm reductions', () => {
    const b = createModel('ecaresnet101d', { featuresOnly: true, outputStride: 8, outIndices: [2, 4] });
    expect(b.featureInfo.map((f) => f.numChs)).toEqual([512, 2048]);
    expect(b.featureInfo.map((f) => f.reduction)).toEqual([8, 8]);
    expect(b.featureInfo.map((f) => f.module)).toEqual(['layer2', 'layer4']);
  });

  it('refuses an output_stride the model cannot do, naming the allowed ones', () => {
    const e = refusal(() => createModel('densenet121', { featuresOnly: true, outputStride: 16 }));
    expect(e.code).toBe('BAD_OUTPUT_STRIDE');
    expect(e.message).toContain('output_stride 16');
    expect(e.message).toContain('allowed: 32');
    expect(refusal(() => createModel('resnet50', { outputStride: 12 })).message).toContain('allowed: 8, 16, 32');
  });

  it('refuses an unknown model with suggestions', () => {
    const e = refusal(() => createModel('resnet51'));
    expect(e.code).toBe('UNKNOWN_MODEL');
    expect(e.message).toMatch(/unknown model 'resnet51'; did you mean 'resnet\d+'/);
  });

  it('refuses bad head settings', () => {
    expect(refusal(() => createModel('resnet18', { globalPool: 'median' })).message).toContain("global_pool 'median' is not supported");
    expect(refusal(() => createModel('resnet18', { globalPool: '' })).message).toContain('needs num_classes=0');
    expect(refusal(() => createModel('resnet18', { numClasses: -1 })).message).toContain('num_classes -1');
  });

  it('num_classes=0 drops the classifier parameters; resetClassifier swaps them', () => {
    const full = createModel('resnet18');
    const headless = createModel('resnet18', { numClasses: 0 });
    expect(full.model.registry.parameterCount() - headless.model.registry.parameterCount()).toBe(512 * 1000 + 1000);
    full.model.resetClassifier(10);
    expect(full.model.registry.get('fc.weight')?.ref.shape).toEqual([10, 512]);
    full.model.resetClassifier(0, '');
    expect(full.model.registry.get('fc.weight')).toBeUndefined();
  });
});
