import type { ImageSlice, SliceCreator } from './types';

export const DEFAULT_SAMPLE = 'chelsea';

export const createImageSlice: SliceCreator<ImageSlice> = (set, get) => ({
  samples: [],
  image: undefined,
  imageLabel: '',
  loadSamples: async () => {
    const { samples } = await get().client.invoke('samples:list', {});
    set({ samples });
    if (!get().image && samples.length) {
      const first = samples.find((s) => s.name === DEFAULT_SAMPLE) ?? samples[0];
      set({ image: { kind: 'sample', name: first.name }, imageLabel: first.file });
    }
  },
  chooseSample: (name) => {
    const s = get().samples.find((x) => x.name === name);
    set({ image: { kind: 'sample', name }, imageLabel: s?.file ?? name });
    void get().run();
  },
  chooseFile: (name, bytes) => {
    set({ image: { kind: 'file', name, bytes }, imageLabel: name });
    void get().run();
  },
});
