/**
 * The ONNX Runtime executor on real models: timm's golden outputs for one model
 * of each family, and the feature-level contract (subsets, odd input sizes,
 * agreement with the tfjs executor, clear errors).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { parseGolden } from '../conformance/golden';
import { runGoldenFile } from '../conformance/runGolden';
import { createModel } from '../zoo/builder';
import { formulaInput, formulaStateDict } from '../weights/formula';
import type { TensorData } from '../weights/stateDict';
import { TfjsPreparedModel } from './tfjsExecutor';
import { OnnxPreparedModel, buildOnnxModel, onnxExecutor } from './onnxExecutor';

const root = path.resolve(import.meta.dirname, '../../..');

// One golden file per family (ResNet-D + ECA, SE, DenseNet, VoVNet, RegNet, ResNeSt, Xception).
const GOLDENS = [
  'golden/resnet18.json',
  'golden/ecaresnet101d.json',
  'golden/seresnet50.json',
  'golden/densenet121.json',
  'golden-extra/ese_vovnet19b_slim_dw.json',
  'golden-extra/regnety_002.json',
  'golden-extra/resnest14d.json',
  'golden-extra/xception41p.json',
];

describe.each(GOLDENS)('golden %s on onnx', (file) => {
  it('passes every case', async () => {
    const g = parseGolden(readFileSync(path.join(root, 'test-data', file), 'utf8'), file);
    const results = [];
    for await (const r of runGoldenFile(g, onnxExecutor)) results.push(r);
    expect(results.length).toBe(g.cases.length);
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.detail}`)).toEqual([]);
  });
});

describe('OnnxPreparedModel', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const built = createModel('resnet18', { featuresOnly: true, outIndices: [1, 2, 3, 4] });
  const weights = formulaStateDict(built.model.registry.list().map((p) => p.ref));
  const input = (h: number, w: number): TensorData => ({ shape: [1, 3, h, w], data: formulaInput([1, 3, h, w]) });

  it('returns exactly the requested levels, identical to the same levels of a fuller request', async () => {
    const onnx = new OnnxPreparedModel(built, weights);
    try {
      const x = input(64, 80);
      const all = await onnx.run(x);
      expect(all.map((t) => t.shape)).toEqual([
        [1, 64, 16, 20],
        [1, 128, 8, 10],
        [1, 256, 4, 5],
        [1, 512, 2, 3],
      ]);
      const some = await onnx.runLevels(x, [2, 4]);
      expect(some.map((t) => t.shape)).toEqual([all[1].shape, all[3].shape]);
      expect(some[0].data).toEqual(all[1].data);
      expect(some[1].data).toEqual(all[3].data);
      expect(await onnx.runLevels(x, [])).toEqual([]);
    } finally {
      onnx.dispose();
    }
  });

  it('agrees with the tfjs executor at an odd input size, shallow levels only', async () => {
    const onnx = new OnnxPreparedModel(built, weights);
    const tfjs = new TfjsPreparedModel(built, weights);
    try {
      const x = input(67, 93);
      const got = await onnx.runLevels(x, [0, 2]);
      const want = tfjs.runLevelsSync(x, [0, 2]);
      expect(got.map((t) => t.shape)).toEqual(want.map((t) => t.shape));
      got.forEach((g, k) => {
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < g.data.length; i++) {
          worst = Math.max(worst, Math.abs(g.data[i] - want[k].data[i]));
          scale = Math.max(scale, Math.abs(want[k].data[i]));
        }
        expect(worst).toBeLessThanOrEqual(1e-4 * scale);
      });
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });

  it('emits one graph whose outputs are every level up to the deepest requested', () => {
    const proto = buildOnnxModel(built, weights, { kind: 'levels', deepest: 2 }, [1, 3, 32, 32]);
    expect(proto.graph.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['level_0', [1, 64, 16, 16]],
      ['level_1', [1, 64, 8, 8]],
      ['level_2', [1, 128, 4, 4]],
    ]);
    const ops = new Set(proto.graph.nodes.map((n) => n.opType));
    expect(ops.has('BatchNormalization')).toBe(false); // every BN follows a conv: all folded
  });

  it('names a missing weight tensor', async () => {
    const partial = new Map(weights);
    partial.delete('layer2.0.conv1.weight');
    const onnx = await onnxExecutor.prepare(built, partial);
    try {
      await expect(onnx.runLevels(input(32, 32), [3])).rejects.toThrow(/layer2\.0\.conv1\.weight/);
      // Levels that do not reach the missing tensor still run.
      expect((await onnx.runLevels(input(32, 32), [1]))[0].shape).toEqual([1, 64, 8, 8]);
    } finally {
      onnx.dispose();
    }
  });
});
