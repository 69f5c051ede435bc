import type { FeaturesSlice, SliceCreator } from './types';
import { ContractCallError, type WeightsChoice } from '../../src-shared/contract';
import { VIEW_ID } from './viewId';
import { toShown, type ShownResult } from './shown';

let latestRun = 0;

/**
 * Once the engine has kept a local weights file, later runs name it by sha256
 * instead of sending its bytes again (and the renderer lets go of them).
 */
function byHash(current: WeightsChoice, sent: WeightsChoice, got: ShownResult['weights']): { weights?: WeightsChoice } {
  if (current !== sent || sent.kind !== 'file' || !sent.bytes || got.kind !== 'file' || !got.stored) return {};
  return { weights: { kind: 'file', name: sent.name, sha256: got.sha256 } };
}

export const createFeaturesSlice: SliceCreator<FeaturesSlice> = (set, get) => ({
  engine: undefined,
  status: 'idle',
  result: undefined,
  error: undefined,
  loadEngineInfo: async () => {
    set({ engine: await get().client.invoke('engine:info', {}) });
  },
  run: async () => {
    const s = get();
    if (!s.image || !s.models.length) return;
    const token = ++latestRun;
    set({ status: 'running' });
    try {
      const request = {
        model: s.selected,
        outIndices: s.outIndices,
        outputStride: s.outputStride,
        inputSize: s.inputSize,
        transfer: s.transfer,
        image: s.image,
        weights: s.weights,
        runId: `ui-${token}`,
        cancelGroup: `${VIEW_ID}-main`,
      };
      const result = toShown(await s.client.invoke('features:compute', request), request);
      // A newer run supersedes this one: its result would not match the settings shown.
      if (token !== latestRun) return;
      set({ status: 'ready', result, error: undefined, ...byHash(get().weights, request.weights, result.weights) });
      void get().loadGeometry();
    } catch (e) {
      if (token !== latestRun) return;
      const error = e instanceof ContractCallError ? e.error : { code: 'INTERNAL', message: String(e instanceof Error ? e.message : e) };
      set({ status: 'error', error });
    }
  },
});
