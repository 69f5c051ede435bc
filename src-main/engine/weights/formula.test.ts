import { describe, expect, it } from 'vitest';
import { formulaTensor } from './formula';

// Spot values from the goldens' README (formula-v1).
describe('formula-v1 weights', () => {
  it.each([
    ['conv1.weight', [64, 3, 7, 7], [0.183612943, 0.00910645351, -0.094636336], -0.184258953],
    ['bn1.running_var', [64], [1.01346433, 1.09991896, 1.20271301], 1.18136668],
    ['fc.bias', [1000], [0.0116229318, 0.0425030552, -0.0272423588], -0.0850568637],
  ])('%s', (key, shape, first, last) => {
    const t = formulaTensor(key, shape);
    first.forEach((v, i) => expect(t[i]).toBeCloseTo(v, 7));
    expect(t[t.length - 1]).toBeCloseTo(last, 7);
  });
});
