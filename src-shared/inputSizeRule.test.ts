import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inputSizeProblem, inputSizeRuleText, nearestFittingSides, sideFits, type InputSizeRule } from './inputSizeRule';

const hrnet: InputSizeRule = { sides: { stride: 4, multiple: 8 }, why: 'branches line up' };
const inception: InputSizeRule = { minSide: 75, why: 'valid convs' };

describe('input size rules', () => {
  it('HRNet: ⌈side/4⌉ a multiple of 8 — 224, 256, 64, 61–64, 93–96 fit; 67, 97, 129 do not', () => {
    for (const n of [224, 256, 64, 61, 62, 63, 93, 96]) expect(sideFits(hrnet, n), String(n)).toBe(true);
    for (const n of [60, 65, 67, 97, 129, 225]) expect(sideFits(hrnet, n), String(n)).toBe(false);
  });

  it('the nearest fitting sides fit, lie on either side, and nothing between them and n fits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 600 }), fc.constantFrom(hrnet, inception, { sides: { stride: 2, multiple: 16 }, why: 'dla' }), (n, rule) => {
        const near = nearestFittingSides(rule, n);
        for (const m of near) expect(sideFits(rule, m)).toBe(true);
        if (sideFits(rule, n)) {
          expect(near).toEqual([n]);
          return;
        }
        const below = near.filter((m) => m < n);
        const above = near.filter((m) => m > n);
        expect(above).toHaveLength(1);
        for (let k = (below[0] ?? 0) + 1; k < above[0]; k++) if (k !== n) expect(sideFits(rule, k)).toBe(false);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('says what fits and names the nearest sides for each side that does not', () => {
    expect(inputSizeRuleText(hrnet)).toBe('⌈side / 4⌉ a multiple of 8 (e.g. 224, 256, 64): branches line up');
    expect(inputSizeRuleText(inception)).toBe('at least 75 px a side: valid convs');
    expect(inputSizeProblem(hrnet, [224, 224])).toBeUndefined();
    expect(inputSizeProblem(hrnet, [97, 129])).toBe(
      'input size 97×129 does not fit: ⌈side / 4⌉ a multiple of 8 (e.g. 224, 256, 64): branches line up. Nearest sides that fit: 97 → 96 or 125; 129 → 128 or 157',
    );
    expect(inputSizeProblem(inception, [60, 200])).toContain('60 → 75');
  });
});
