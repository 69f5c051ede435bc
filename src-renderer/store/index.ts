/** The one app store, composed of slices (zustand's slices pattern). */
import { createStore, useStore, type StoreApi } from 'zustand';
import { createContext, useContext } from 'react';
import type { EngineClient } from '../../src-shared/contract';
import type { AppState } from './types';
import { createZooSlice } from './zooSlice';
import { createSettingsSlice } from './settingsSlice';
import { createImageSlice } from './imageSlice';
import { createFeaturesSlice } from './featuresSlice';
import { createViewSlice } from './viewSlice';
import { createWeightsSlice } from './weightsSlice';

export type AppStore = StoreApi<AppState>;

export function createAppStore(client: EngineClient): AppStore {
  return createStore<AppState>()((set, get) => ({
    client,
    ...createZooSlice(set, get),
    ...createSettingsSlice(set, get),
    ...createImageSlice(set, get),
    ...createFeaturesSlice(set, get),
    ...createWeightsSlice(set, get),
    ...createViewSlice(set, get),
  }));
}

/** Loads what the UI needs, then runs the default model on the default sample. */
export async function startApp(store: AppStore): Promise<void> {
  const s = store.getState();
  s.client.on('weights:progress', (p) => store.setState({ download: p.done ? undefined : p }));
  await Promise.all([s.loadEngineInfo(), s.loadSamples(), s.refreshCache().catch(() => {})]);
  await store.getState().loadModels();
}

export const StoreContext = createContext<AppStore | null>(null);

export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp needs a StoreContext provider');
  return useStore(store, selector);
}
