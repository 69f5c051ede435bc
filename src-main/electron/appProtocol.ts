/**
 * The app:// protocol that serves the built renderer (never file://; Electron
 * security checklist item 18). The request → file mapping and the handler
 * live here, free of Electron; main.ts registers them with `protocol.handle`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../server/contentSecurity';

export const APP_SCHEME = 'app';
export const APP_HOST = 'pyramidscope';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * What `protocol.registerSchemesAsPrivileged` grants app:// — a standard, secure
 * origin (so the page is a secure context with its own origin) that fetch() works
 * on. Nothing that loosens the page's rules: no `bypassCSP`, no CORS, no service
 * workers, no streaming media.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

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

/**
 * The `protocol.handle` handler for app://: only files under `root` (404 for
 * anything else, and for a file that cannot be read), each with the CSP and
 * `nosniff`. `fetchFile` reads a file:// URL (Electron's `net.fetch` in main.ts).
 */
export function appProtocolHandler(root: string, fetchFile: (fileUrl: string) => Promise<Response>): (request: { url: string }) => Promise<Response> {
  return async (request) => {
    const file = appUrlToFile(root, request.url);
    if (!file) return new Response('not found', { status: 404 });
    let res: Response;
    try {
      res = await fetchFile(pathToFileURL(file).toString());
    } catch {
      return new Response('not found', { status: 404 });
    }
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  };
}
