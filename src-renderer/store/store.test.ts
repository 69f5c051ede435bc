/** The store's explorer logic with a recording client: what calls the engine and what never does. */
import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import type { Channel, ComputeResult, EngineClient, ModelSummary, RequestOf, WeightsChoice } from '../../src-shared/contract';
import { createAppStore } from './index';
import { PREFS_STORAGE_KEY, migratePrefs, sanitizePrefs } from './prefsSlice';
import { parseSession } from '../../src-shared/export/session';

const model: ModelSummary = {
  name: 'resnet18',
  family: 'resnet',
  paramCount: 1,
  levels: [0, 1, 2].map((index) => ({ index, module: `m${index}`, numChs: 4 << index, reduction: 2 << index })),
  outputStrides: [8, 16, 32],
  defaultOutIndices: [0, 1, 2],
  defaultInputSize: [3, 16, 16],
  pretrained: [],
};

function result(outputStride = 32): ComputeResult {
  return {
    runId: 'r',
    model: 'resnet18',
    outIndices: [0, 1, 2],
    outputStride,
    inputSize: [16, 16],
    backend: 'test',
    weightsLabel: 'random init (formula-v1)',
    weights: { kind: 'random' },
    preprocessing: { mean: [0, 0, 0], std: [1, 1, 1], cropPct: 1, cropMode: 'center', interpolation: 'bilinear' },
    input: { width: 16, height: 16, rgb: new Uint8Array(16 * 16 * 3) },
    levels: [0, 1, 2].map((index) => {
      const c = 4 << index;
      const s = 8 >> index;
      return { index, module: `m${index}`, numChs: c, reduction: 2 << index, shape: [c, s, s] as [number, number, number], dtype: 'float32' as const, data: Float32Array.from({ length: c * s * s }, (_, i) => Math.sin(i)) };
    }),
    timings: { decodeMs: 0, prepareMs: 0, preprocessMs: 0, forwardMs: 0, totalMs: 0 },
  };
}

const SHA = 'ab'.repeat(32);
/** What the engine reports for the weights it was sent: a local file is kept (stored) under SHA. */
function withWeights(r: ComputeResult, w: WeightsChoice | undefined): ComputeResult {
  return w?.kind === 'file' ? { ...r, weights: { kind: 'file', name: w.name, sha256: w.sha256 ?? SHA, stored: true }, weightsLabel: `${w.name} (local file)` } : r;
}

function recordingClient(): EngineClient & { calls: Array<{ channel: Channel; request: unknown }> } {
  const calls: Array<{ channel: Channel; request: unknown }> = [];
  return {
    calls,
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>) {
      calls.push({ channel, request });
      const answers: Partial<Record<Channel, unknown>> = {
        'zoo:list': { models: [model] },
        'samples:list': { samples: [{ name: 'chelsea', file: 'chelsea.png', width: 1, height: 1, credit: '', license: '' }, { name: 'coffee', file: 'coffee.png', width: 1, height: 1, credit: '', license: '' }] },
        'features:compute': withWeights(result((request as { outputStride?: number }).outputStride), (request as { weights?: WeightsChoice }).weights),
        'weights:list': { cacheDir: '/c', repos: [], localDir: '/l', local: [] },
        'explore:geometry': { model: 'resnet18', outputStride: 32, inputSize: [16, 16], levels: [] },
      };
      if (!(channel in answers)) throw new Error(`unexpected ${channel}`);
      return answers[channel] as never;
    },
    on: () => () => {},
  };
}

function memoryStorage(): StateStorage & { data: Map<string, string>; writes: number } {
  const data = new Map<string, string>();
  const s = { data, writes: 0, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void (s.writes++, data.set(k, v)), removeItem: (k: string) => void data.delete(k) };
  return s;
}

async function readyStore(storage = memoryStorage()) {
  const client = recordingClient();
  const store = createAppStore(client, storage);
  await store.getState().loadSamples();
  await store.getState().loadModels();
  await store.getState().run();
  return { client, store, storage };
}

describe('local weights files', () => {
  it('are sent once: after the engine keeps one, runs name it by sha256 and the renderer drops the bytes', async () => {
    const { client, store } = await readyStore();
    store.getState().useWeightsFile('mine.safetensors', new Uint8Array(1000));
    await new Promise((r) => setTimeout(r, 0));
    await store.getState().run();
    const computes = client.calls.filter((c) => c.channel === 'features:compute').map((c) => (c.request as { weights: WeightsChoice }).weights);
    expect(computes.at(-2)).toMatchObject({ kind: 'file', name: 'mine.safetensors', bytes: expect.any(Uint8Array) });
    expect(computes.at(-1)).toEqual({ kind: 'file', name: 'mine.safetensors', sha256: SHA });
    expect(store.getState().weights).toEqual({ kind: 'file', name: 'mine.safetensors', sha256: SHA });
  });
});

describe('display-only changes', () => {
  it('never call the engine', async () => {
    const { client, store } = await readyStore();
    const before = client.calls.length;
    const s = store.getState();
    s.setViewMode('std');
    s.setChannel(3);
    s.stepChannel(1);
    s.setValueSign('relu');
    s.setColormap('magma');
    s.setNormScope('shared');
    s.setFixedRange({ min: 0, max: 2 });
    s.setOverlay(true);
    s.setOpacity(0.2);
    s.setUpsampling('smooth');
    s.setPcaFit('joint');
    s.setProbe({ u: 0.5, v: 0.5, source: 'input' });
    s.setRankBy('max');
    s.togglePin(1, 2);
    s.setTheme('dark');
    expect(client.calls.length).toBe(before);
  });

  it('arrow steps switch to channel mode and stop at the widest level', async () => {
    const { store } = await readyStore();
    store.getState().setChannel(14);
    store.getState().stepChannel(5);
    expect(store.getState().viewMode).toBe('channel');
    expect(store.getState().channel).toBe(15); // widest level has 16 channels
    store.getState().stepChannel(-40);
    expect(store.getState().channel).toBe(0);
  });

  it('the diverging colormap turns zero-centring on', async () => {
    const { store } = await readyStore();
    store.getState().setColormap('diverging');
    expect(store.getState().zeroCentre).toBe(true);
  });
});

describe('preferences', () => {
  it('persist only the preference keys, write only when they change, and come back in a new store', async () => {
    const { store, storage } = await readyStore();
    store.getState().setColormap('cividis');
    store.getState().setTheme('dark');
    const writes = storage.writes;
    store.getState().setProbe({ u: 0.1, v: 0.2, source: 0 });
    store.getState().setViewMode('max');
    expect(storage.writes).toBe(writes);
    const saved = JSON.parse(storage.data.get(PREFS_STORAGE_KEY) ?? '{}');
    expect(saved.version).toBe(1);
    expect(saved.state).toMatchObject({ colormap: 'cividis', theme: 'dark' });
    expect(saved.state).not.toHaveProperty('viewMode');
    expect(saved.state).not.toHaveProperty('result');
    const again = createAppStore(recordingClient(), storage);
    expect(again.getState().colormap).toBe('cividis');
    expect(again.getState().theme).toBe('dark');
    expect(again.getState().viewMode).toBe('mean');
  });

  it('drop unknown keys and bad values, from any version', () => {
    expect(sanitizePrefs({ colormap: 'jet', theme: 'dark', topK: 0, opacity: 0.5, result: {} })).toEqual({ theme: 'dark', opacity: 0.5 });
    expect(migratePrefs({ colormap: 'magma', upsampling: 'smooth' }, 0)).toEqual({ colormap: 'magma', upsampling: 'smooth' });
    const storage = memoryStorage();
    storage.setItem(PREFS_STORAGE_KEY, JSON.stringify({ state: { colormap: 'nope', theme: 'dark' }, version: 1 }));
    const store = createAppStore(recordingClient(), storage);
    expect(store.getState().colormap).toBe('viridis');
    expect(store.getState().theme).toBe('dark');
  });
});

describe('session files', () => {
  it('export then import restores settings and view with one engine run', async () => {
    const { store } = await readyStore();
    const s = store.getState();
    s.setViewMode('channel');
    s.setChannel(6);
    s.setNormScope('level');
    s.togglePin(2, 9);
    s.setOutputStride(16);
    await Promise.resolve();
    const file = JSON.parse(JSON.stringify(store.getState().exportSession()));
    const fresh = await readyStore();
    const calls = fresh.client.calls.length;
    fresh.store.getState().importSession(parseSession(JSON.stringify(file)));
    const t = fresh.store.getState();
    expect([t.viewMode, t.channel, t.normScope, t.outputStride]).toEqual(['channel', 6, 'level', 16]);
    expect(t.pinned).toEqual([{ level: 2, channel: 9 }]);
    expect(fresh.client.calls.slice(calls).map((c) => c.channel)).toEqual(['features:compute']);
  });

  it('refuses a model this build does not have', async () => {
    const { store } = await readyStore();
    const file = { ...store.getState().exportSession()!, model: 'vit_huge' };
    store.getState().importSession(file);
    expect(store.getState().sessionError).toContain('vit_huge');
  });
});

describe('compare', () => {
  it('starts pane B at output_stride 8 and runs it; display changes leave it alone', async () => {
    const { store, client } = await readyStore();
    store.getState().setCompareOn(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().compare?.outputStride).toBe(8);
    expect(store.getState().compareResult?.outputStride).toBe(8);
    const n = client.calls.length;
    store.getState().setColormap('grey');
    expect(client.calls.length).toBe(n);
  });
});

describe('session files with the compare view', () => {
  it('reopen pane B with its settings', async () => {
    const { store } = await readyStore();
    store.getState().setCompareOn(true);
    await new Promise((r) => setTimeout(r, 0));
    store.getState().updateCompare({ image: { kind: 'sample', name: 'coffee' }, imageLabel: 'coffee.png' });
    const file = parseSession(JSON.stringify(store.getState().exportSession()));
    expect(file.compare).toMatchObject({ model: 'resnet18', outputStride: 8, image: { kind: 'sample', name: 'coffee' }, sharedScale: true });
    const fresh = await readyStore();
    fresh.store.getState().importSession(file);
    await new Promise((r) => setTimeout(r, 0));
    const t = fresh.store.getState();
    expect(t.compareOn).toBe(true);
    expect(t.compare).toMatchObject({ outputStride: 8, image: { kind: 'sample', name: 'coffee' } });
    expect(t.compareResult?.outputStride).toBe(8);
  });

  it('embed pane B\'s own image file, and read older files that named a sample', async () => {
    const { store } = await readyStore();
    store.getState().setCompareOn(true);
    await new Promise((r) => setTimeout(r, 0));
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    store.getState().updateCompare({ image: { kind: 'file', name: 'mine.png', bytes }, imageLabel: 'mine.png' });
    const file = parseSession(JSON.stringify(store.getState().exportSession()));
    expect(file.compare?.image).toMatchObject({ kind: 'file', name: 'mine.png' });
    const fresh = await readyStore();
    fresh.store.getState().importSession(file);
    const b = fresh.store.getState().compare;
    expect(b?.imageLabel).toBe('mine.png');
    expect(b?.image.kind === 'file' && Array.from(b.image.bytes)).toEqual(Array.from(bytes));

    const older = parseSession(JSON.stringify({ ...file, compare: { ...file.compare, image: undefined, sample: 'coffee' } }));
    fresh.store.getState().importSession(older);
    expect(fresh.store.getState().compare).toMatchObject({ image: { kind: 'sample', name: 'coffee' }, imageLabel: 'coffee.png' });
  });
});
