/**
 * Keeps the current session in sessionStorage, so a window reloaded after a
 * renderer crash reopens the same view. Electron's main process reloads a
 * crashed renderer at `#restore`; a plain reload or a new window starts from
 * preferences only. sessionStorage lives as long as the window.
 */
import { parseSession } from '../../src-shared/export/session';
import type { AppStore } from './index';

const KEY = 'pyramidscope.session';

export const RESTORE_HASH = '#restore';
const SAVE_DELAY_MS = 500;

export function autosaveSession(store: AppStore): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    timer = undefined;
    const s = store.getState();
    if (s.status !== 'ready') return;
    const session = s.exportSession();
    if (!session) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify(session));
    } catch {
      // Over quota (a large uploaded image): the view just won't survive a crash.
    }
  };
  // A new result is saved at once; other changes (view settings) shortly after, so
  // hover-rate changes coalesce; leaving the page flushes.
  addEventListener('pagehide', save);
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.result !== prev.result && s.status === 'ready') {
      if (timer) clearTimeout(timer);
      save();
    } else timer ??= setTimeout(save, SAVE_DELAY_MS);
  });
  return () => {
    unsubscribe();
    removeEventListener('pagehide', save);
  };
}

/** Reopens the saved session; false when there is none (or it no longer parses). */
export function restoreSession(store: AppStore): boolean {
  if (location.hash !== RESTORE_HASH) return false;
  history.replaceState(null, '', location.pathname + location.search);
  let text: string | null = null;
  try {
    text = sessionStorage.getItem(KEY);
  } catch {
    return false;
  }
  if (!text) return false;
  try {
    store.getState().importSession(parseSession(text));
    return true;
  } catch {
    sessionStorage.removeItem(KEY);
    return false;
  }
}
