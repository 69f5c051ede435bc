/** app://: the URL → file mapping (only our host, only files under the renderer folder) and the protocol.handle handler. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ORIGIN, APP_SCHEME_PRIVILEGES, appProtocolHandler, appUrlToFile, isAppUrl } from './appProtocol';
import { CONTENT_SECURITY_POLICY } from '../server/contentSecurity';

const root = path.resolve('/srv/pyramidscope/renderer');

describe('appUrlToFile', () => {
  it.each([
    ['app://pyramidscope/', 'index.html'],
    ['app://pyramidscope', 'index.html'],
    ['app://pyramidscope/index.html', 'index.html'],
    ['app://pyramidscope/.', 'index.html'],
    ['app://pyramidscope/assets/index-abc.js?v=1#x', 'assets/index-abc.js'],
    ['app://pyramidscope/assets/a%20b.css', 'assets/a b.css'],
    // The URL parser folds dot segments before we see them: these stay inside root.
    ['app://pyramidscope/../../etc/passwd', 'etc/passwd'],
    ['app://pyramidscope/%2e%2e/%2e%2e/etc/passwd', 'etc/passwd'],
    // Decoded once only: a double-encoded '..' is a literal file name, inside root.
    ['app://pyramidscope/%252e%252e%252fetc', '%2e%2e%2fetc'],
  ])('%s → <root>/%s', (url, rel) => {
    expect(appUrlToFile(root, url)).toBe(path.join(root, rel));
  });

  it.each([
    ['encoded traversal', 'app://pyramidscope/..%2f..%2fetc%2fpasswd'],
    ['encoded traversal, mixed', 'app://pyramidscope/assets/..%2f..%2f..%2fpackage.json'],
    ['the root folder itself, encoded', 'app://pyramidscope/assets%2f..'],
    ['NUL byte', 'app://pyramidscope/index.html%00.png'],
    ['broken percent-encoding', 'app://pyramidscope/%E0%A4%A'],
    ['another host', 'app://evil/index.html'],
    ['a look-alike host', 'app://pyramidscope.evil/index.html'],
    ['a port', 'app://pyramidscope:8080/index.html'],
    ['credentials', 'app://user:pw@pyramidscope/index.html'],
    ['file://', 'file:///etc/passwd'],
    ['https://', 'https://pyramidscope/index.html'],
    ['not a URL', 'index.html'],
  ])('refuses %s', (_label, url) => {
    expect(appUrlToFile(root, url)).toBeNull();
  });
});

describe('isAppUrl', () => {
  it('accepts our origin only', () => {
    expect(isAppUrl(`${APP_ORIGIN}/index.html`)).toBe(true);
    for (const url of ['app://evil/', 'app://pyramidscope.evil/', 'app://a@pyramidscope/', 'file:///index.html', 'http://127.0.0.1/', 'about:blank', 'data:text/html,x', '']) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('appProtocolHandler (protocol.handle for app://)', () => {
  const files: Record<string, { body: string; type: string }> = {
    [path.join(root, 'index.html')]: { body: '<!doctype html>', type: 'text/html' },
    [path.join(root, 'assets/app.js')]: { body: 'export {}', type: 'text/javascript' },
  };
  const fetched: string[] = [];
  // Stands in for Electron's net.fetch on file:// URLs.
  const fetchFile = async (fileUrl: string) => {
    fetched.push(fileUrl);
    const f = files[fileURLToPath(fileUrl)];
    if (!f) throw new Error('net::ERR_FILE_NOT_FOUND');
    return new Response(f.body, { status: 200, headers: { 'Content-Type': f.type, 'Content-Security-Policy': "script-src *" } });
  };
  const handle = appProtocolHandler(root, fetchFile);

  it('serves a file under the renderer folder with the CSP and nosniff (replacing any CSP the file came with)', async () => {
    const res = await handle({ url: 'app://pyramidscope/assets/app.js' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('export {}');
    expect(res.headers.get('Content-Type')).toBe('text/javascript');
    expect(res.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('serves index.html for the root, with the CSP', async () => {
    const res = await handle({ url: 'app://pyramidscope/' });
    expect(await res.text()).toBe('<!doctype html>');
    expect(res.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers 404 without reading anything for URLs that are not ours or leave the folder', async () => {
    fetched.length = 0;
    for (const url of ['app://pyramidscope/..%2f..%2fetc%2fpasswd', 'app://evil/index.html', 'file:///etc/passwd', 'app://pyramidscope/index.html%00.png']) {
      expect((await handle({ url })).status, url).toBe(404);
    }
    expect(fetched).toEqual([]);
  });

  it('answers 404 for a missing file', async () => {
    expect((await handle({ url: 'app://pyramidscope/missing.js' })).status).toBe(404);
  });
});

describe('APP_SCHEME_PRIVILEGES', () => {
  it('make app:// a standard secure origin with fetch, and loosen nothing', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true });
  });
});
