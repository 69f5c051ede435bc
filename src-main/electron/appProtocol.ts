/**
 * The app:// protocol that serves the built renderer (never file://). Pure
 * request → file mapping here; registration with Electron happens in main.ts.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'pyramidscope';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The URL parsed, when it is one of ours: app://pyramidscope/…, no port, no
 * credentials. (Node's URL gives custom schemes the origin 'null', so origin
 * comparisons cannot be used here.)
 */
function parseAppUrl(url: string): URL | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const ours = u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password;
  return ours ? u : null;
}

/** Whether a URL belongs to the app's own origin (navigation targets, IPC senders). */
export function isAppUrl(url: string): boolean {
  return parseAppUrl(url) !== null;
}

/** The file under `root` that an app:// URL names, or null when it is not ours or escapes root. */
export function appUrlToFile(root: string, url: string): string | null {
  const u = parseAppUrl(url);
  if (!u) return null;
  let p: string;
  try {
    p = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  const rel = p === '/' || p === '' ? 'index.html' : p.replace(/^\/+/, '');
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  return full.startsWith(base + path.sep) ? full : null;
}
