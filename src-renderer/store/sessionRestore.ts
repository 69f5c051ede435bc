/**
 * Keeps the current session in sessionStorage, so a reloaded window (after a
 * renderer crash, or F5) reopens the same view. sessionStorage lives as long
 * as the window: a new window starts fresh; preferences persist separately.
 */
import { parseSession } from '../../src-shared/export/session';
import type { AppStore } from './index';

const KEY = 'pyramidscope.session';

export function autosaveSession(store: AppStore): () => void {
  return store.subscribe((s, prev) => {
    if (s.status !== 'ready' || s.result === prev.result) return;
    const session = s.exportSession();
    if (!session) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify(session));
    } catch {
      // Over quota (a large uploaded image): the view just won't survive a reload.
    }
  });
}

/** Reopens the saved session; false when there is none (or it no longer parses). */
export function restoreSession(store: AppStore): boolean {
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
