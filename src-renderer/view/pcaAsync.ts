/**
 * PCA → RGB without freezing the window: the first fit of a set of levels runs
 * in a Web Worker (pcaWorker.ts) while the panels show a grey "fitting…"
 * placeholder; the answer is cached by the levels' identity and options, and
 * subscribers (usePaneDisplays) re-render when it lands. Where Workers do not
 * exist (unit tests under jsdom), it is computed in place.
 */
import type { ShownLevel } from '../store/shown';
import { rgbDisplays, type DisplayOptions, type RgbDisplay } from './levelDisplays';

type PcaOptions = Pick<DisplayOptions, 'sign' | 'pcaFit'>;

export interface PcaJob {
  id: number;
  panes: ShownLevel[][];
  options: PcaOptions;
}

type Answer = { id: number; displays: RgbDisplay[][] } | { id: number; error: string };

const MAX_CACHED = 8;
const cache = new Map<string, RgbDisplay[][]>();
const inFlight = new Map<number, string>();
const listeners = new Set<() => void>();
let version = 0;
let worker: Worker | undefined;
/** Set when the worker cannot start or dies: PCA is then computed in place, as before workers. */
let workerBroken = false;
let nextJob = 1;
const jobs = new Map<number, { panes: ReadonlyArray<readonly ShownLevel[]>; options: PcaOptions }>();

// Each level's data gets a stable id, so a cache key names exactly those arrays.
const ids = new WeakMap<object, number>();
let nextId = 1;
const idOf = (data: object) => ids.get(data) ?? (ids.set(data, nextId), nextId++);

const keyOf = (panes: ReadonlyArray<readonly ShownLevel[]>, o: PcaOptions) => `${o.sign}|${o.pcaFit}|${panes.map((p) => p.map((l) => idOf(l.data)).join(',')).join('/')}`;

function remember(key: string, displays: RgbDisplay[][]): void {
  cache.set(key, displays);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  version++;
  for (const l of listeners) l();
}

function startWorker(): Worker {
  const w = new Worker(new URL('./pcaWorker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<Answer>) => {
    const key = inFlight.get(e.data.id);
    const job = jobs.get(e.data.id);
    inFlight.delete(e.data.id);
    jobs.delete(e.data.id);
    if (key === undefined || !job) return;
    if ('displays' in e.data) remember(key, e.data.displays);
    else {
      console.error(`PCA fit in the worker failed (${e.data.error}); fitting in place`);
      remember(key, rgbDisplays(job.panes, job.options));
    }
  };
  // A worker that cannot load (a packaging or CSP problem) must not leave panels grey forever.
  w.onerror = (e) => {
    console.error(`PCA worker unavailable (${e.message}); fitting on the main thread`);
    workerBroken = true;
    w.terminate();
    const pending = [...jobs.entries()];
    inFlight.clear();
    jobs.clear();
    for (const [, job] of pending) remember(keyOf(job.panes, job.options), rgbDisplays(job.panes, job.options));
  };
  return w;
}

/**
 * Only the levels' own bytes travel, transferred: a level may be a view into a
 * larger received frame, and posting the view would copy the whole frame.
 */
function jobFor(id: number, panes: ReadonlyArray<readonly ShownLevel[]>, options: PcaOptions): { job: PcaJob; transfer: Transferable[] } {
  const transfer: Transferable[] = [];
  const copies = panes.map((levels) =>
    levels.map((l) => {
      const data = l.data.slice();
      transfer.push(data.buffer);
      return { ...l, data };
    }),
  );
  return { job: { id, panes: copies, options }, transfer };
}

/** The RGB displays if fitted (or computable in place), else undefined while the worker fits them. */
export function rgbDisplaysAsync(panes: ReadonlyArray<readonly ShownLevel[]>, options: PcaOptions): RgbDisplay[][] | undefined {
  const key = keyOf(panes, options);
  const hit = cache.get(key);
  if (hit) return hit;
  if (typeof Worker === 'undefined' || workerBroken) {
    const displays = rgbDisplays(panes, options);
    cache.set(key, displays);
    return displays;
  }
  if ([...inFlight.values()].includes(key)) return undefined;
  worker ??= startWorker();
  const id = nextJob++;
  inFlight.set(id, key);
  jobs.set(id, { panes, options });
  const { job, transfer } = jobFor(id, panes, options);
  worker.postMessage(job, transfer);
  return undefined;
}

/** Grey panels with a "fitting…" label, the shape of what is coming. */
export function pendingRgb(panes: ReadonlyArray<readonly ShownLevel[]>): RgbDisplay[][] {
  return panes.map((levels) =>
    levels.map((l) => ({
      kind: 'rgb' as const,
      index: l.index,
      shape: l.shape,
      label: 'PCA → RGB: fitting…',
      rgba: new Uint8ClampedArray(l.shape[1] * l.shape[2] * 4).fill(128),
      clip: [],
      explained: [],
      pending: true,
    })),
  );
}

/** For useSyncExternalStore: bumps when a fit lands. */
export function subscribePca(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export const pcaVersion = (): number => version;
