/** PCA off the main thread: pending until the worker answers, cached after; in place if the worker fails. */
import { testLevel } from './testLevel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShownLevel } from '../store/shown';

const lvl = testLevel;

class FakeWorker {
  static last: FakeWorker | undefined;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  posted: Array<{ message: { id: number; panes: ShownLevel[][] }; transfer: unknown[] }> = [];
  terminated = false;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message: { id: number; panes: ShownLevel[][] }, transfer: unknown[]) {
    this.posted.push({ message, transfer });
  }
  terminate() {
    this.terminated = true;
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('rgbDisplaysAsync', () => {
  it("posts copies of only the levels' own bytes, returns undefined until the answer, then the cached answer", async () => {
    vi.stubGlobal('Worker', FakeWorker);
    const { rgbDisplaysAsync, pcaVersion, subscribePca } = await import('./pcaAsync');
    const { rgbDisplays } = await import('./levelDisplays');
    const frame = new Float32Array(10_000).map((_, i) => Math.sin(i) + (i % 7));
    const level = { ...lvl(0, 4, 8, () => 0), data: frame.subarray(100, 100 + 4 * 8 * 8) };
    const panes = [[level]];
    const o = { sign: 'signed', pcaFit: 'level' } as const;
    expect(rgbDisplaysAsync(panes, o)).toBeUndefined();
    expect(rgbDisplaysAsync(panes, o)).toBeUndefined(); // not posted twice
    const w = FakeWorker.last!;
    expect(w.posted).toHaveLength(1);
    const sent = w.posted[0].message.panes[0][0].data;
    expect(sent.buffer.byteLength).toBe(4 * 8 * 8 * 4); // the level's bytes, not the whole frame
    expect(Array.from(sent)).toEqual(Array.from(level.data));
    let heard = 0;
    subscribePca(() => heard++);
    const before = pcaVersion();
    const answer = rgbDisplays(w.posted[0].message.panes, o);
    w.onmessage?.({ data: { id: w.posted[0].message.id, displays: answer } });
    expect(heard).toBe(1);
    expect(pcaVersion()).toBe(before + 1);
    expect(rgbDisplaysAsync(panes, o)).toBe(answer);
  });

  it('fits in place when the worker cannot run, so panels never stay grey', async () => {
    vi.stubGlobal('Worker', FakeWorker);
    const { rgbDisplaysAsync } = await import('./pcaAsync');
    const panes = [[lvl(1, 3, 4, (i) => Math.cos(i))]];
    const o = { sign: 'relu', pcaFit: 'level' } as const;
    expect(rgbDisplaysAsync(panes, o)).toBeUndefined();
    const w = FakeWorker.last!;
    w.onerror?.({ message: 'failed to load' });
    expect(w.terminated).toBe(true);
    const done = rgbDisplaysAsync(panes, o);
    expect(done?.[0][0].rgba.length).toBe(4 * 4 * 4);
    expect(done?.[0][0].pending).toBeUndefined();
    // Later fits skip the broken worker.
    expect(rgbDisplaysAsync([[lvl(2, 3, 2, (i) => i)]], o)).toBeDefined();
  });
});
