import { describe, expect, it } from 'vitest';
import { convLength, pooledLength, poolPadding, windowCounts } from './poolGeometry';

// Reference values from torch.nn.functional on the same sizes.
describe('torch pooling geometry', () => {
  it('matches torch output sizes in floor and ceil mode', () => {
    expect(pooledLength(112, 3, 2, 1, false)).toBe(56); // resnet stem maxpool
    expect(pooledLength(7, 2, 2, 0, true)).toBe(4); // avg_down on an odd map
    expect(pooledLength(7, 2, 2, 0, false)).toBe(3);
    expect(pooledLength(5, 3, 2, 1, true)).toBe(3); // last window must start inside input+left pad
    expect(pooledLength(6, 3, 2, 1, true)).toBe(4);
  });

  it('pads so that a valid pool gives the same windows', () => {
    expect(poolPadding(7, 2, 2, 0, 4)).toEqual([0, 1]);
    expect(poolPadding(112, 3, 2, 1, 56)).toEqual([1, 0]);
  });

  it('counts only real taps without count_include_pad', () => {
    expect(windowCounts(7, 2, 2, 0, 4, false)).toEqual([2, 2, 2, 1]);
    expect(windowCounts(4, 3, 1, 1, 4, true)).toEqual([3, 3, 3, 3]);
    expect(windowCounts(4, 3, 1, 1, 4, false)).toEqual([2, 3, 3, 2]);
  });

  it('matches torch conv output sizes', () => {
    expect(convLength(224, 7, 2, 3, 1)).toBe(112);
    expect(convLength(193, 3, 2, 1, 1)).toBe(97);
    expect(convLength(28, 3, 1, 2, 2)).toBe(28);
  });
});
