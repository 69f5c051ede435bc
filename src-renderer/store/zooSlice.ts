import type { SliceCreator, ZooSlice } from './types';

export const DEFAULT_MODEL = 'resnet50';

export const createZooSlice: SliceCreator<ZooSlice> = (set, get) => ({
  models: [],
  search: '',
  selected: DEFAULT_MODEL,
  setSearch: (search) => set({ search }),
  loadModels: async () => {
    const { models } = await get().client.invoke('zoo:list', {});
    set({ models });
    const current = models.find((m) => m.name === get().selected) ?? models[0];
    if (current) get().selectModel(current.name);
  },
  selectModel: (name) => {
    const m = get().models.find((x) => x.name === name);
    if (!m) return;
    // A new model starts from timm's defaults; keep the stride when the model can do it.
    const outputStride = m.outputStrides.includes(get().outputStride) ? get().outputStride : 32;
    // A pretrained tag belongs to one architecture: the new model starts from its own default.
    const weights = get().weights.kind === 'pretrained' ? (m.pretrained.length ? { kind: 'pretrained' as const } : { kind: 'random' as const }) : get().weights;
    set({ selected: name, outIndices: [...m.defaultOutIndices], outputStride, weights });
    void get().run();
  },
});
