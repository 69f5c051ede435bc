import { TRANSFERS, type AppState, type PrefsSlice, type SliceCreator } from './types';
import { COLORMAPS } from '../../src-shared/maps/colormaps';
import { NORM_SCOPES } from '../../src-shared/maps/normalize';
import { RANK_BY } from '../../src-shared/maps/channelStats';
import { UPSAMPLING } from '../../src-shared/export/session';

export const createPrefsSlice: SliceCreator<PrefsSlice> = (set) => ({
  theme: 'light',
  setTheme: (theme) => set({ theme }),
});

/** What survives a restart: preferences only, never results, images or the current model. */
export const PREF_KEYS = ['theme', 'colormap', 'upsampling', 'opacity', 'overlay', 'rankBy', 'topK', 'normScope', 'transfer'] as const satisfies ReadonlyArray<keyof AppState>;
export type Prefs = Pick<AppState, (typeof PREF_KEYS)[number]>;
export const PREFS_STORAGE_KEY = 'pyramidscope-prefs';
export const PREFS_VERSION = 1;

const oneOf = (allowed: readonly string[]) => (v: unknown) => typeof v === 'string' && allowed.includes(v);
const CHECKS: Record<keyof Prefs, (v: unknown) => boolean> = {
  theme: oneOf(['light', 'dark']),
  colormap: oneOf(COLORMAPS),
  upsampling: oneOf(UPSAMPLING),
  opacity: (v) => typeof v === 'number' && v >= 0 && v <= 1,
  overlay: (v) => typeof v === 'boolean',
  rankBy: oneOf(RANK_BY),
  topK: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 256,
  normScope: oneOf(NORM_SCOPES),
  transfer: oneOf(TRANSFERS),
};

export function pickPrefs(s: AppState): Prefs {
  const out: Partial<Prefs> = {};
  for (const k of PREF_KEYS) (out as Record<string, unknown>)[k] = s[k];
  return out as Prefs;
}

/** Keeps only known preferences with allowed values, so a stale or hand-edited store cannot break the app. */
export function sanitizePrefs(stored: unknown): Partial<Prefs> {
  if (!stored || typeof stored !== 'object') return {};
  const s = stored as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of PREF_KEYS) if (k in s && CHECKS[k](s[k])) out[k] = s[k];
  return out as Partial<Prefs>;
}

/**
 * Upgrades preferences stored by an older version. Version 0 is anything
 * written before preferences were versioned: its known, valid keys are kept.
 */
export function migratePrefs(stored: unknown, _version: number): Partial<Prefs> {
  return sanitizePrefs(stored);
}
