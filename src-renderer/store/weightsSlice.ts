import type { SliceCreator, WeightsSlice } from './types';

export const createWeightsSlice: SliceCreator<WeightsSlice> = (set, get) => ({
  weights: { kind: 'random' },
  download: undefined,
  cachedWeights: [],
  cacheDir: '',
  localWeights: [],
  localDir: '',
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
    void get()
      .run()
      .then(() => get().refreshCache());
  },
  useStoredWeights: (name, sha256) => {
    set({ weights: { kind: 'file', name, sha256 } });
    void get().run();
  },
  cancelDownload: async () => {
    const d = get().download;
    if (d) await get().client.invoke('weights:cancel', { repoId: d.repoId });
    set({ download: undefined });
  },
  refreshCache: async () => {
    const { repos, cacheDir, local, localDir } = await get().client.invoke('weights:list', {});
    set({ cachedWeights: repos, cacheDir, localWeights: local, localDir });
  },
  removeCached: async (repoId) => {
    await get().client.invoke('weights:remove', { repoId });
    await get().refreshCache();
  },
  removeLocal: async (sha256) => {
    await get().client.invoke('weights:remove', { sha256 });
    await get().refreshCache();
  },
});
