/** Only our own top-level page may call the engine over IPC. */
import { describe, expect, it } from 'vitest';
import { isTrustedSender } from './senderCheck';

const top = (url: string) => ({ url, parent: null });

describe('isTrustedSender', () => {
  it('trusts the app page in the top-level frame', () => {
    expect(isTrustedSender(top('app://pyramidscope/index.html'))).toBe(true);
    expect(isTrustedSender(top('app://pyramidscope/'))).toBe(true);
  });

  it.each([
    ['a subframe of the app page', { url: 'app://pyramidscope/index.html', parent: top('app://pyramidscope/index.html') }],
    ['another origin', top('https://evil.example/index.html')],
    ['a look-alike app host', top('app://pyramidscope.evil/index.html')],
    ['another app:// host', top('app://other/index.html')],
    ['file://', top('file:///work/out/renderer/index.html')],
    ['a data: URL', top('data:text/html,<script>1</script>')],
    ['about:blank', top('about:blank')],
    ['an empty URL', top('')],
    ['a null frame (destroyed)', null],
    ['no frame', undefined],
  ])('refuses %s', (_label, frame) => {
    expect(isTrustedSender(frame)).toBe(false);
  });
});
