/** The one app store, composed of slices (zustand's slices pattern); persist at the root, for preferences only. */
import { createStore, useStore, type StoreApi } from 'zustand';
import { persist, createJSONStorage, type StateStorage } from 'zustand/middleware';
import { createContext, useContext } from 'react';
import type { EngineClient } from '../../src-shared/contract';
import type { AppState } from './types';
import { createZooSlice } from './zooSlice';
import { createSettingsSlice } from './settingsSlice';
import { createImageSlice } from './imageSlice';
import { createFeaturesSlice } from './featuresSlice';
import { createViewSlice } from './viewSlice';
import { createWeightsSlice } from './weightsSlice';
import { createProbeSlice } from './probeSlice';
import { createBrowserSlice } from './browserSlice';
import { createCompareSlice } from './compareSlice';
import { createExploreSlice } from './exploreSlice';
import { createPrefsSlice, migratePrefs, pickPrefs, sanitizePrefs, PREFS_STORAGE_KEY, PREFS_VERSION } from './prefsSlice';
import { createSessionSlice } from './sessionSlice';
import { autosaveSession, restoreSession } from './sessionRestore';

export type AppStore = StoreApi<AppState>;

/** Where preferences live: localStorage in the app; tests pass their own. */
function defaultStorage(): StateStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage blocked (e.g. some privacy modes): preferences just do not persist
  }
}

export function createAppStore(client: EngineClient, storage: StateStorage | undefined = defaultStorage()): AppStore {
  return createStore<AppState>()(
    persist(
      (set, get) => ({
        client,
        ...createZooSlice(set, get),
        ...createSettingsSlice(set, get),
        ...createImageSlice(set, get),
        ...createFeaturesSlice(set, get),
        ...createWeightsSlice(set, get),
        ...createViewSlice(set, get),
        ...createProbeSlice(set, get),
        ...createBrowserSlice(set, get),
        ...createCompareSlice(set, get),
        ...createExploreSlice(set, get),
        ...createPrefsSlice(set, get),
        ...createSessionSlice(set, get),
      }),
      {
        name: PREFS_STORAGE_KEY,
        version: PREFS_VERSION,
        storage: createJSONStorage(() => writeOnChange(storage ?? noStorage)),
        partialize: pickPrefs,
        migrate: (stored, version) => migratePrefs(stored, version) as AppState,
        merge: (stored, current) => ({ ...current, ...sanitizePrefs(stored) }),
      },
    ),
  );
}

const noStorage: StateStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

/** persist writes on every state change (a probe hover, too); only touch storage when the preferences changed. */
function writeOnChange(storage: StateStorage): StateStorage {
  const last = new Map<string, string>();
  return {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => {
      if (last.get(key) === value) return;
      last.set(key, value);
      return storage.setItem(key, value);
    },
    removeItem: (key) => {
      last.delete(key);
      return storage.removeItem(key);
    },
  };
}

/** Loads what the UI needs, then runs the default model on the default sample. */
export async function startApp(store: AppStore): Promise<void> {
  const s = store.getState();
  s.client.on('weights:progress', (p) => store.setState({ download: p.done ? undefined : p }));
  await Promise.all([s.loadEngineInfo(), s.loadSamples(), s.refreshCache().catch(() => {})]);
  await store.getState().loadModels();
  // A window reloaded after a renderer crash reopens where it was.
  restoreSession(store);
  autosaveSession(store);
}

export const StoreContext = createContext<AppStore | null>(null);

export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp needs a StoreContext provider');
  return useStore(store, selector);
}

/** The store itself, for event handlers that read state without subscribing. */
export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore needs a StoreContext provider');
  return store;
}
