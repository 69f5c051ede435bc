import { describe, expect, it } from 'vitest';
import { clampChannel, describeScalarMap, scalarMap } from './display';
import { levelRange, scopeRanges, unionRange, zeroCentred } from './normalize';
import { channelStats, histogram, topChannelsAt, topK } from './channelStats';
import { cellAt, cellRect, mapPlacement, naiveGeometry, receptiveFieldRect } from './alignment';

// A [2, 2, 3] level: channel 0 = 0..5, channel 1 = -3..2
const level = { shape: [2, 2, 3] as const, data: Float32Array.from([0, 1, 2, 3, 4, 5, -3, -2, -1, 0, 1, 2]) };

describe('display', () => {
  it('shows a channel (clamped to the level) or an aggregate, signed or after ReLU', () => {
    expect([...scalarMap(level, 'channel', 1, 'signed')]).toEqual([-3, -2, -1, 0, 1, 2]);
    expect([...scalarMap(level, 'channel', 99, 'relu')]).toEqual([0, 0, 0, 0, 1, 2]);
    expect([...scalarMap(level, 'mean', 0, 'signed')]).toEqual([-1.5, -0.5, 0.5, 1.5, 2.5, 3.5]);
    expect([...scalarMap(level, 'mean', 0, 'relu')]).toEqual([0, 0.5, 1, 1.5, 2.5, 3.5]);
    expect([...scalarMap(level, 'abssum', 0, 'signed')]).toEqual([3, 3, 3, 3, 5, 7]);
    expect(clampChannel(-4, 10)).toBe(0);
    expect(describeScalarMap('channel', 3, 64, 'relu')).toBe('channel 3 of 64 (ReLU)');
  });
});

describe('normalisation scopes', () => {
  const maps = [{ min: 0, max: 1 }, { min: -2, max: 5 }];
  const whole = [{ min: -1, max: 3 }, { min: -4, max: 9 }];
  it('map, level, shared, fixed', () => {
    const base = { mapRanges: maps, levelRanges: whole, fixed: { min: 10, max: 20 }, zeroCentre: false };
    expect(scopeRanges('map', base)).toEqual(maps);
    expect(scopeRanges('level', base)).toEqual(whole);
    expect(scopeRanges('shared', base)).toEqual([{ min: -2, max: 5 }, { min: -2, max: 5 }]);
    expect(scopeRanges('shared', { ...base, sharedWith: [{ min: -7, max: 0 }] })).toEqual([{ min: -7, max: 5 }, { min: -7, max: 5 }]);
    expect(scopeRanges('fixed', base)).toEqual([{ min: 10, max: 20 }, { min: 10, max: 20 }]);
    expect(scopeRanges('map', { ...base, zeroCentre: true })).toEqual([{ min: -1, max: 1 }, { min: -5, max: 5 }]);
  });
  it('level range after ReLU starts at 0; union and zero-centring', () => {
    expect(levelRange(level.data, true)).toEqual({ min: 0, max: 5 });
    expect(levelRange(level.data, false)).toEqual({ min: -3, max: 5 });
    expect(unionRange([])).toEqual({ min: 0, max: 0 });
    expect(zeroCentred({ min: -1, max: 4 })).toEqual({ min: -4, max: 4 });
  });
});

describe('channel statistics', () => {
  it('ranks channels by mean, max, energy and Hoyer sparsity', () => {
    const s = channelStats(level);
    expect([...s.mean]).toEqual([2.5, -0.5]);
    expect([...s.max]).toEqual([5, 2]);
    expect(s.energy[0]).toBeCloseTo((0 + 1 + 4 + 9 + 16 + 25) / 6);
    // Channel 1 fires in 2 of 6 cells: sparser than channel 0 (5 of 6).
    expect(s.sparsity[1]).toBeGreaterThan(s.sparsity[0]);
    const oneHot = channelStats({ shape: [1, 1, 4], data: Float32Array.from([0, 0, 7, 0]) });
    expect(oneHot.sparsity[0]).toBeCloseTo(1);
    expect(channelStats({ shape: [1, 1, 4], data: new Float32Array(4) }).sparsity[0]).toBe(0);
    expect(topK(Float32Array.from([1, 3, 3, 0]), 3)).toEqual([1, 2, 0]);
  });
  it('histogram bins and the channels at a cell', () => {
    const h = histogram(Float32Array.from([0, 0.5, 1, 1, 2]), 2);
    expect([...h.counts]).toEqual([2, 3]);
    expect(h.min).toBe(0);
    expect(topChannelsAt(level, 1, 2, 2)).toEqual([
      { channel: 0, value: 5 },
      { channel: 1, value: 2 },
    ]);
    expect(topChannelsAt(level, 5, 0, 2)).toEqual([]);
  });
});

describe('alignment', () => {
  // ResNet level 4 at 224: cells 32 px apart, cell (0, 0) centred on pixel 0.
  const g = { jump: [32, 32] as const, rfStart: [0, 0] as const, rfSize: [427, 427] as const };
  it('places the map half a cell up-left of the naive stretch, and finds the nearest cell', () => {
    expect(mapPlacement(g, 7, 7)).toEqual({ x: -15.5, y: -15.5, width: 224, height: 224 });
    expect(cellAt(g, 7, 7, 0.5, 0.5)).toEqual({ row: 0, col: 0 });
    expect(cellAt(g, 7, 7, 16.4, 48.6)).toEqual({ row: 2, col: 0 });
    expect(cellAt(g, 7, 7, 223, 223)).toEqual({ row: 6, col: 6 });
    expect(cellAt(g, 7, 7, -50, 999)).toEqual({ row: 6, col: 0 });
    expect(cellRect(g, 1, 2)).toEqual({ x: 48.5, y: 16.5, width: 32, height: 32 });
    expect(receptiveFieldRect(g, 0, 0)).toEqual({ x: 0.5 - 213.5, y: 0.5 - 213.5, width: 427, height: 427 });
  });
  it('without geometry, tiles from the corner', () => {
    const n = naiveGeometry(8);
    expect(mapPlacement(n, 28, 28)).toEqual({ x: 0, y: 0, width: 224, height: 224 });
    expect(receptiveFieldRect(n, 0, 0)).toBeUndefined();
  });
});

describe('effective receptive field statistics', async () => {
  const { erfStats } = await import('./gradientStats');
  it('mass inside the theoretical field and the 90% square around the centre', () => {
    const map = new Float32Array(11 * 11);
    map[5 * 11 + 5] = 8; // centre
    map[5 * 11 + 7] = 1; // 2 px right
    map[0] = 1; // corner, outside the field
    const s = erfStats(map, 11, 11, { x: 5.5, y: 5.5 }, { x: 2, y: 2, width: 7, height: 7 });
    expect(s.total).toBe(10);
    expect(s.insideTheoretical).toBeCloseTo(0.9);
    expect(s.side).toBe(5); // the 2-px ring brings the mass to 9 of 10
  });
});
