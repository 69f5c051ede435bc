import type { SettingsSlice, SliceCreator } from './types';

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get) => ({
  outIndices: [],
  outputStride: 32,
  inputSize: undefined,
  transfer: 'auto',
  setTransfer: (transfer) => {
    set({ transfer });
    void get().run();
    void get().runCompare();
  },
  toggleLevel: (index) => {
    const has = get().outIndices.includes(index);
    const outIndices = has ? get().outIndices.filter((i) => i !== index) : [...get().outIndices, index].sort((a, b) => a - b);
    set({ outIndices });
    void get().run();
  },
  setOutputStride: (outputStride) => {
    set({ outputStride });
    void get().run();
  },
  setInputSize: (inputSize) => {
    set({ inputSize });
    void get().run();
  },
});
