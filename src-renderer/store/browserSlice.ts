import type { BrowserSlice, SliceCreator } from './types';
import { DEFAULT_VIEW } from '../../src-shared/export/session';

export const createBrowserSlice: SliceCreator<BrowserSlice> = (set, get) => ({
  browserLevel: undefined,
  rankBy: DEFAULT_VIEW.rankBy,
  topK: DEFAULT_VIEW.topK,
  detail: undefined,
  pinned: [],
  setBrowserLevel: (browserLevel) => set({ browserLevel, detail: undefined }),
  setRankBy: (rankBy) => set({ rankBy }),
  setTopK: (topK) => set({ topK: Math.max(1, Math.min(256, Math.trunc(topK) || 1)) }),
  openDetail: (level, channel) => set({ detail: { level, channel } }),
  closeDetail: () => set({ detail: undefined }),
  togglePin: (level, channel) => {
    const pinned = get().pinned;
    const has = pinned.some((p) => p.level === level && p.channel === channel);
    set({ pinned: has ? pinned.filter((p) => !(p.level === level && p.channel === channel)) : [...pinned, { level, channel }] });
  },
});
