import type { SliceCreator, ViewSlice } from './types';
import { DEFAULT_VIEW } from '../../src-shared/export/session';

/** Display settings: setters only touch the store, never the engine. */
export const createViewSlice: SliceCreator<ViewSlice> = (set, get) => ({
  viewMode: DEFAULT_VIEW.viewMode,
  channel: DEFAULT_VIEW.channel,
  valueSign: DEFAULT_VIEW.valueSign,
  colormap: DEFAULT_VIEW.colormap,
  normScope: DEFAULT_VIEW.normScope,
  fixedRange: { ...DEFAULT_VIEW.fixedRange },
  zeroCentre: DEFAULT_VIEW.zeroCentre,
  overlay: DEFAULT_VIEW.overlay,
  opacity: DEFAULT_VIEW.opacity,
  upsampling: DEFAULT_VIEW.upsampling,
  pcaFit: DEFAULT_VIEW.pcaFit,
  setViewMode: (viewMode) => set({ viewMode }),
  setChannel: (channel) => set({ channel: Number.isFinite(channel) ? Math.max(0, Math.trunc(channel)) : 0 }),
  stepChannel: (delta) => {
    const widest = Math.max(1, ...(get().result?.levels.map((l) => l.numChs) ?? [1]));
    set({ viewMode: 'channel', channel: Math.max(0, Math.min(widest - 1, get().channel + delta)) });
  },
  setValueSign: (valueSign) => set({ valueSign }),
  // The diverging map means "white = 0": it turns zero-centring on (the user may untick it).
  setColormap: (colormap) => set(colormap === 'diverging' ? { colormap, zeroCentre: true } : { colormap }),
  setNormScope: (normScope) => set({ normScope }),
  setFixedRange: (fixedRange) => set({ fixedRange }),
  setZeroCentre: (zeroCentre) => set({ zeroCentre }),
  setOverlay: (overlay) => set({ overlay }),
  setOpacity: (opacity) => set({ opacity: Math.max(0, Math.min(1, opacity)) }),
  setUpsampling: (upsampling) => set({ upsampling }),
  setPcaFit: (pcaFit) => set({ pcaFit }),
});
