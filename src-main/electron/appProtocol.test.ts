/** app:// → file mapping: only our host, only files under the renderer folder. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { APP_ORIGIN, appUrlToFile, isAppUrl } from './appProtocol';

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
