import type { AppState, ExploreSlice, SliceCreator } from './types';
import type { GeometryResult, ImageSource, RequestOf } from '../../src-shared/contract';
import type { ShownResult } from './shown';
import { selectedModel } from './selectors';

/** An explore:gradient request on the weights, image and settings that produced `result`. */
function gradientRequest(s: AppState, result: ShownResult, image: ImageSource, target: RequestOf<'explore:gradient'>['target']): RequestOf<'explore:gradient'> {
  return { model: result.model, outputStride: result.outputStride, inputSize: s.inputSize, image, weights: s.weights, target };
}

const geometryKey = (r: { model: string; outputStride: number; inputSize: readonly number[] }) => `${r.model}|${r.outputStride}|${r.inputSize.join('x')}`;

export const createExploreSlice: SliceCreator<ExploreSlice> = (set, get) => {
  const geometryCache = new Map<string, Promise<GeometryResult>>();
  const geometryFor = (r: Pick<ShownResult, 'model' | 'outputStride' | 'inputSize'>): Promise<GeometryResult> => {
    const key = geometryKey(r);
    let p = geometryCache.get(key);
    if (!p) {
      p = get().client.invoke('explore:geometry', { model: r.model, outputStride: r.outputStride, inputSize: [r.inputSize[0], r.inputSize[1]] });
      // A failed call is not cached: the next run asks again.
      p.catch(() => geometryCache.delete(key));
      geometryCache.set(key, p);
    }
    return p;
  };
  return {
    geometry: undefined,
    compareGeometry: undefined,
    learnGeometry: {},
    penultimate: undefined,
    penultimateStatus: 'idle',
    penultimateError: undefined,
    erf: undefined,
    erfStatus: 'idle',
    erfError: undefined,
    gradCam: undefined,
    gradCamStatus: 'idle',
    gradCamError: undefined,
    computeErf: async (level, row, col, channel) => {
      const s = get();
      const result = s.result;
      if (!result || !s.image) return;
      set({ erfStatus: 'running', erfError: undefined });
      try {
        const gradient = await s.client.invoke('explore:gradient', gradientRequest(s, result, s.image, { kind: 'cell', level, row, col, channel }));
        if (get().result === result) set({ erf: { result, level, row, col, channel, gradient }, erfStatus: 'ready' });
      } catch (e) {
        set({ erfStatus: 'error', erfError: e instanceof Error ? e.message : String(e) });
      }
    },
    clearErf: () => set({ erf: undefined, erfStatus: 'idle', erfError: undefined }),
    computeGradCam: async (classIndex, level) => {
      const s = get();
      const result = s.result;
      if (!result || !s.image) return;
      set({ gradCamStatus: 'running', gradCamError: undefined });
      try {
        const gradient = await s.client.invoke('explore:gradient', gradientRequest(s, result, s.image, { kind: 'class', classIndex, level }));
        if (get().result === result) set({ gradCam: { result, gradient }, gradCamStatus: 'ready' });
      } catch (e) {
        set({ gradCamStatus: 'error', gradCamError: e instanceof Error ? e.message : String(e) });
      }
    },
    loadGeometry: async () => {
      const { result, compareResult, compareOn } = get();
      try {
        if (result) {
          const g = await geometryFor(result);
          if (get().result === result) set({ geometry: g });
        }
        if (compareOn && compareResult) {
          const g = await geometryFor(compareResult);
          if (get().compareResult === compareResult) set({ compareGeometry: g });
        }
      } catch {
        // Geometry refines alignment and the probe; without it the maps still show (naive grid).
      }
    },
    loadLearnGeometry: async () => {
      const s = get();
      const model = selectedModel(s);
      if (!model) return;
      const inputSize: [number, number] = s.result?.model === model.name ? s.result.inputSize : [model.defaultInputSize[1], model.defaultInputSize[2]];
      const entries = await Promise.all(model.outputStrides.map(async (os) => [os, await geometryFor({ model: model.name, outputStride: os, inputSize })] as const));
      if (get().selected === model.name) set({ learnGeometry: Object.fromEntries(entries) });
    },
    loadPenultimate: async () => {
      const s = get();
      if (!s.image) return;
      set({ penultimateStatus: 'running', penultimateError: undefined });
      try {
        const penultimate = await s.client.invoke('explore:penultimate', {
          model: s.selected,
          outputStride: s.outputStride,
          inputSize: s.inputSize,
          image: s.image,
          weights: s.weights,
        });
        set({ penultimate, penultimateStatus: 'ready' });
      } catch (e) {
        set({ penultimateStatus: 'error', penultimateError: e instanceof Error ? e.message : String(e) });
      }
    },
  };
};
