/** Keyboard shortcuts for the common moves; one table, so the help overlay and the handler never disagree. */
import type { AppState } from '../store/types';
import { DISPLAY_MODES } from '../../src-shared/maps/display';
import { COLORMAPS } from '../../src-shared/maps/colormaps';
import { NORM_SCOPES } from '../../src-shared/maps/normalize';

const next = <T,>(list: readonly T[], current: T): T => list[(list.indexOf(current) + 1) % list.length];

export interface Shortcut {
  keys: string[];
  does: string;
  run(s: AppState): void;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['ArrowRight', ']'], does: 'next channel (switches to one-channel view)', run: (s) => s.stepChannel(1) },
  { keys: ['ArrowLeft', '['], does: 'previous channel', run: (s) => s.stepChannel(-1) },
  { keys: ['m'], does: 'next view: channel, mean, max, L2, std, Σ|x|, PCA', run: (s) => s.setViewMode(next(DISPLAY_MODES, s.viewMode)) },
  { keys: ['c'], does: 'next colormap', run: (s) => s.setColormap(next(COLORMAPS, s.colormap)) },
  { keys: ['n'], does: 'next normalisation scope', run: (s) => s.setNormScope(next(NORM_SCOPES, s.normScope)) },
  { keys: ['r'], does: 'signed values ↔ after ReLU', run: (s) => s.setValueSign(s.valueSign === 'signed' ? 'relu' : 'signed') },
  { keys: ['o'], does: 'overlay on the input on/off', run: (s) => s.setOverlay(!s.overlay) },
  { keys: ['u'], does: 'nearest ↔ smooth upsampling', run: (s) => s.setUpsampling(s.upsampling === 'nearest' ? 'smooth' : 'nearest') },
  { keys: ['k'], does: 'compare view on/off', run: (s) => s.setCompareOn(!s.compareOn) },
  { keys: ['l'], does: 'lock / release the probe', run: (s) => s.toggleProbeLock() },
  { keys: ['t'], does: 'light ↔ dark theme', run: (s) => s.setTheme(s.theme === 'light' ? 'dark' : 'light') },
];

/** The shortcut for a key, unless the user is typing in a field (where keys keep their usual meaning). */
export function shortcutFor(key: string, target: EventTarget | null, modifiers: boolean): Shortcut | undefined {
  if (modifiers) return undefined;
  const el = target as HTMLElement | null;
  const tag = el?.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || el?.isContentEditable) return undefined;
  return SHORTCUTS.find((s) => s.keys.includes(key));
}
