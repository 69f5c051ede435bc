/**
 * The preload exposes the contract's named functions and onEvent, nothing
 * else. Electron's contextBridge and ipcRenderer are faked: the real ones
 * exist only inside an Electron renderer.
 */
import { describe, expect, it, vi } from 'vitest';
import { PRELOAD_FUNCTIONS } from '../../src-shared/preloadApi';

const exposed = new Map<string, Record<string, unknown>>();
const invoke = vi.fn((channel: string, request: unknown) => Promise.resolve({ ok: true, result: { channel, request } }));
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, l: (...args: unknown[]) => void) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel: string, l: (...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
  },
}));

await import('./preload');

describe('preload', () => {
  it('exposes one object, window.pyramidscope, with the contract functions and onEvent only', () => {
    expect([...exposed.keys()]).toEqual(['pyramidscope']);
    const api = exposed.get('pyramidscope')!;
    expect(Object.keys(api).sort()).toEqual([...Object.values(PRELOAD_FUNCTIONS), 'onEvent'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
  });

  it('each function invokes its own channel', async () => {
    const api = exposed.get('pyramidscope')! as Record<string, (r: unknown) => Promise<unknown>>;
    for (const [channel, fn] of Object.entries(PRELOAD_FUNCTIONS)) {
      await expect(api[fn]({ x: 1 })).resolves.toEqual({ ok: true, result: { channel, request: { x: 1 } } });
    }
    expect(invoke.mock.calls.map((c) => c[0])).toEqual(Object.keys(PRELOAD_FUNCTIONS));
  });

  it('onEvent delivers only the named event and unsubscribes', () => {
    const api = exposed.get('pyramidscope')! as { onEvent(e: string, l: (p: unknown) => void): () => void };
    const got: unknown[] = [];
    const off = api.onEvent('engine:status', (p) => got.push(p));
    const emit = (m: unknown) => listeners.get('engine:event')?.forEach((l) => l({}, m));
    emit({ event: 'engine:progress', payload: 1 });
    emit({ event: 'engine:status', payload: 2 });
    off();
    emit({ event: 'engine:status', payload: 3 });
    expect(got).toEqual([2]);
  });
});
