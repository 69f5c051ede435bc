import { describe, expect, it } from 'vitest';
import { testLevel } from './testLevel';
import type { ShownLevel } from '../store/shown';
import { differenceMap, paneDisplays, scalarDisplays, type DisplayOptions, type ScalarDisplay } from './levelDisplays';
import { shortcutFor } from './shortcuts';

const lvl = testLevel;

const base: DisplayOptions = { mode: 'mean', channel: 0, sign: 'signed', normScope: 'map', fixedRange: { min: 0, max: 1 }, zeroCentre: false, pcaFit: 'level' };

describe('level displays', () => {
  const a = [lvl(0, 2, 4, (i) => i), lvl(1, 3, 2, (i) => -i - 1)];
  const b = [lvl(0, 2, 4, (i) => 2 * i), lvl(1, 3, 2, (i) => i)];

  it('channel mode: map scope is the channel, level scope the whole level', () => {
    const [m] = scalarDisplays([a], { ...base, mode: 'channel', channel: 1 }, false);
    expect(m[0].range).toEqual({ min: 16, max: 31 });
    const [l] = scalarDisplays([a], { ...base, mode: 'channel', channel: 1, normScope: 'level' }, false);
    expect(l[0].range).toEqual({ min: 0, max: 31 });
    expect(l[1].range).toEqual({ min: -12, max: -1 });
  });

  it('two panes share a range per level index when asked', () => {
    const [pa, pb] = scalarDisplays([a, b], base, true);
    expect(pa[0].range).toEqual(pb[0].range);
    expect(pa[0].range).toEqual({ min: 8, max: 46 });
    const [qa, qb] = scalarDisplays([a, b], base, false);
    expect(qa[0].range).not.toEqual(qb[0].range);
  });

  it('PCA gives RGB per level; the last answer is reused for the same inputs', () => {
    const first = paneDisplays([a], { ...base, mode: 'pca' }, false);
    expect(first[0][0].kind).toBe('rgb');
    expect(paneDisplays([a], { ...base, mode: 'pca' }, false)).toBe(first);
  });

  it('difference map only where shapes agree, zero-centred', () => {
    const [pa, pb] = scalarDisplays([a, b], base, false) as ScalarDisplay[][];
    const d = differenceMap(pa[0], pb[0]);
    expect(d?.range.min).toBe(-(d?.range.max ?? 0));
    expect(differenceMap(pa[0], pb[1])).toBeUndefined();
  });
});

describe('shortcuts', () => {
  it('fire on the page but not while typing in a field', () => {
    expect(shortcutFor('m', document.body, false)?.keys).toContain('m');
    expect(shortcutFor('ArrowRight', document.body, false)?.does).toMatch(/next channel/);
    expect(shortcutFor('m', document.createElement('input'), false)).toBeUndefined();
    expect(shortcutFor('m', document.body, true)).toBeUndefined();
    expect(shortcutFor('z', document.body, false)).toBeUndefined();
  });
});

describe('prewarm', () => {
  it('reduces each level to all its aggregates in one job per idle slot, and stops when cancelled', async () => {
    const { prewarmAggregates } = await import('./prewarm');
    const { cachedOn, levelScalar } = await import('./levelDisplays');
    const levels = [lvl(0, 2, 2, (i) => i), lvl(1, 2, 1, (i) => -i)];
    const queue: Array<() => void> = [];
    const idle = (cb: () => void) => {
      queue.push(cb);
      return () => queue.splice(queue.indexOf(cb), 1);
    };
    const stop = prewarmAggregates(levels, 'signed', idle);
    const computed = (level: ShownLevel, key: string) => cachedOn(level.data, key, () => 'not yet');
    for (let n = 0; n < 2; n++) queue.shift()?.();
    // Two jobs ran: both levels, signed, every aggregate at once; ReLU not yet.
    expect(computed(levels[1], 'aggregates|signed')).not.toBe('not yet');
    expect(computed(levels[0], 'aggregates|relu')).toBe('not yet');
    // Any aggregate now comes from that pass: level 0's channels are [0..3] and [4..7], so max = channel 1.
    expect(Array.from(levelScalar(levels[0], 'max', 0, 'signed').values)).toEqual([4, 5, 6, 7]);
    expect(Array.from(levelScalar(levels[0], 'std', 0, 'signed').values)).toEqual([2, 2, 2, 2]);
    stop();
    expect(queue).toHaveLength(0);
  });
});
