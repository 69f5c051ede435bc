import type { AppState, CompareSettings, CompareSlice, SliceCreator } from './types';
import { ContractCallError } from '../../src-shared/contract';
import { VIEW_ID } from './viewId';
import { toShown } from './shown';
import { selectedModel } from './selectors';

let latestCompare = 0;

/** Pane B starts as pane A with one thing changed: output_stride 8 where the model can, else another sample. */
function initialCompare(s: AppState): CompareSettings | undefined {
  if (!s.image) return undefined;
  const model = selectedModel(s);
  const base: CompareSettings = { model: s.selected, outIndices: [...s.outIndices], outputStride: s.outputStride, inputSize: s.inputSize, image: s.image, imageLabel: s.imageLabel };
  const other = model?.outputStrides.find((o) => o !== s.outputStride && o === 8) ?? model?.outputStrides.find((o) => o !== s.outputStride);
  if (other) return { ...base, outputStride: other };
  const sample = s.samples.find((x) => !(s.image?.kind === 'sample' && s.image.name === x.name));
  return sample ? { ...base, image: { kind: 'sample', name: sample.name }, imageLabel: sample.file } : base;
}

export const createCompareSlice: SliceCreator<CompareSlice> = (set, get) => ({
  compareOn: false,
  compare: undefined,
  compareStatus: 'idle',
  compareResult: undefined,
  compareError: undefined,
  compareSharedScale: true,
  setCompareOn: (on) => {
    set({ compareOn: on });
    if (on && !get().compare) set({ compare: initialCompare(get()) });
    if (on) void get().runCompare();
  },
  updateCompare: (patch) => {
    const cur = get().compare;
    if (!cur) return;
    let next = { ...cur, ...patch };
    if (patch.model && patch.model !== cur.model) {
      // A new model starts from its own defaults, keeping the stride where it can.
      const m = get().models.find((x) => x.name === patch.model);
      if (m) next = { ...next, outIndices: [...m.defaultOutIndices], outputStride: m.outputStrides.includes(next.outputStride) ? next.outputStride : 32 };
    }
    set({ compare: next });
    void get().runCompare();
  },
  setCompareSharedScale: (compareSharedScale) => set({ compareSharedScale }),
  runCompare: async () => {
    const s = get();
    const c = s.compare;
    if (!s.compareOn || !c) return;
    const token = ++latestCompare;
    set({ compareStatus: 'running' });
    try {
      const request = {
        model: c.model,
        outIndices: c.outIndices,
        outputStride: c.outputStride,
        inputSize: c.inputSize,
        transfer: s.transfer,
        image: c.image,
        weights: s.weights,
        runId: `ui-compare-${token}`,
        cancelGroup: `${VIEW_ID}-compare`,
      };
      const compareResult = toShown(await s.client.invoke('features:compute', request), request);
      if (token !== latestCompare) return;
      set({ compareStatus: 'ready', compareResult, compareError: undefined });
      void get().loadGeometry();
    } catch (e) {
      if (token !== latestCompare) return;
      const error = e instanceof ContractCallError ? e.error : { code: 'INTERNAL', message: String(e instanceof Error ? e.message : e) };
      set({ compareStatus: 'error', compareError: error });
    }
  },
});
