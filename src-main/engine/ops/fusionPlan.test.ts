import { describe, expect, it } from 'vitest';
import type { BatchNormParams, Conv2dOptions, Ops, ParamRef } from './ops';
import { planFusion, traceForward } from './fusionPlan';

const weight = (key: string, outC = 8, inC = 8): ParamRef => ({ key: `${key}.weight`, shape: [outC, inC, 3, 3] });
const bn = (key: string, c = 8): BatchNormParams => ({
  weight: { key: `${key}.weight`, shape: [c] },
  bias: { key: `${key}.bias`, shape: [c] },
  runningMean: { key: `${key}.running_mean`, shape: [c] },
  runningVar: { key: `${key}.running_var`, shape: [c] },
  eps: 1e-5,
});
const conv: Conv2dOptions = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
const dims = { n: 1, c: 8, h: 16, w: 16 };

/** The plan as plain data: conv key → 'bn+relu' and friends. */
function planOf(forward: <T>(ops: Ops<T>, x: T) => T[]): Record<string, string> {
  const plan = planFusion(traceForward(forward, dims));
  return Object.fromEntries([...plan].map(([k, f]) => [k, [f.bn ? `bn:${f.bn.weight.key}` : '', f.act ?? ''].filter(Boolean).join('+')]));
}

describe('planFusion', () => {
  it('folds conv → bn → relu chains, as in every ConvNormAct', () => {
    const plan = planOf((ops, x) => {
      const a = ops.activation(ops.batchNorm(ops.conv2d(x, weight('c1'), conv), bn('bn1')), 'relu');
      const b = ops.activation(ops.batchNorm(ops.conv2d(a, weight('c2'), conv), bn('bn2')), 'relu6');
      return [b];
    });
    expect(plan).toEqual({ 'c1.weight': 'bn:bn1.weight+relu', 'c2.weight': 'bn:bn2.weight+relu6' });
  });

  it('leaves the BatchNorm alone when the raw conv output is read elsewhere too', () => {
    const plan = planOf((ops, x) => {
      const y = ops.conv2d(x, weight('c1'), conv);
      return [ops.add(ops.batchNorm(y, bn('bn1')), y)];
    });
    expect(plan).toEqual({});
  });

  it('does not fuse past a value the forward pass returns (a feature level)', () => {
    const plan = planOf((ops, x) => {
      const raw = ops.conv2d(x, weight('c1'), conv);
      const normed = ops.batchNorm(ops.conv2d(x, weight('c2'), conv), bn('bn2'));
      return [raw, normed, ops.activation(normed, 'relu')];
    });
    // c1's output is returned; c2 keeps its BatchNorm fold but not the ReLU (bn2's output is returned).
    expect(plan).toEqual({ 'c2.weight': 'bn:bn2.weight' });
  });

  it('fuses an activation straight after a conv, and only the kinds the kernels clamp', () => {
    const plan = planOf((ops, x) => [
      ops.activation(ops.conv2d(x, weight('c1'), { ...conv, bias: { key: 'c1.bias', shape: [8] } }), 'relu'),
      ops.activation(ops.batchNorm(ops.conv2d(x, weight('c2'), conv), bn('bn2')), 'silu'),
    ]);
    expect(plan).toEqual({ 'c1.weight': 'relu', 'c2.weight': 'bn:bn2.weight' });
  });

  it('sees through identity activations but not through two readers of the BatchNorm output', () => {
    const plan = planOf((ops, x) => {
      const y = ops.activation(ops.batchNorm(ops.conv2d(x, weight('c1'), conv), bn('bn1')), 'identity');
      return [ops.add(ops.activation(y, 'relu'), ops.scale(y, 2))];
    });
    expect(plan).toEqual({ 'c1.weight': 'bn:bn1.weight' });
  });

  it('skips weights and BatchNorms used more than once', () => {
    const plan = planOf((ops, x) => {
      const shared = weight('shared');
      const a = ops.batchNorm(ops.conv2d(x, shared, conv), bn('bn1'));
      const b = ops.batchNorm(ops.conv2d(a, shared, conv), bn('bn2'));
      const c = ops.batchNorm(ops.conv2d(b, weight('c3'), conv), bn('twice'));
      const d = ops.batchNorm(ops.conv2d(b, weight('c4'), conv), bn('twice'));
      return [ops.add(c, d)];
    });
    expect(plan).toEqual({});
  });
});
