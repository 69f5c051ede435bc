import type { ProbeSlice, SliceCreator } from './types';

export const createProbeSlice: SliceCreator<ProbeSlice> = (set, get) => ({
  probe: undefined,
  probeLocked: false,
  setProbe: (probe) => {
    if (get().probeLocked) return;
    set({ probe });
  },
  toggleProbeLock: () => set({ probeLocked: !get().probeLocked }),
});
