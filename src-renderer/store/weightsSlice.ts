import type { SliceCreator, WeightsSlice } from './types';

export const createWeightsSlice: SliceCreator<WeightsSlice> = (set, get) => ({
  weights: { kind: 'random' },
  download: undefined,
  cachedWeights: [],
  cacheDir: '',
  useRandomWeights: () => {
    set({ weights: { kind: 'random' } });
    void get().run();
  },
  usePretrained: (tag) => {
    set({ weights: { kind: 'pretrained', tag } });
    void get()
      .run()
      .then(() => get().refreshCache());
  },
  useWeightsFile: (name, bytes) => {
    set({ weights: { kind: 'file', name, bytes } });
    void get().run();
  },
  cancelDownload: async () => {
    const d = get().download;
    if (d) await get().client.invoke('weights:cancel', { repoId: d.repoId });
    set({ download: undefined });
  },
  refreshCache: async () => {
    const { repos, cacheDir } = await get().client.invoke('weights:list', {});
    set({ cachedWeights: repos, cacheDir });
  },
  removeCached: async (repoId) => {
    await get().client.invoke('weights:remove', { repoId });
    await get().refreshCache();
  },
});
