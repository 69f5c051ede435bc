import type { SliceCreator, ViewSlice } from './types';

export const createViewSlice: SliceCreator<ViewSlice> = (set) => ({
  colormap: 'viridis',
  setColormap: (colormap) => set({ colormap }),
});
