/** Navigation, redirects, new windows and <webview>: what a page may do, checked on a fake webContents. */
import { describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { decideWindowOpen, guardWebContents, isAllowedNavigation, type GuardableWebContents, type WindowOpenDecision } from './navigationGuard';

/** Records the listeners and the window-open handler the guard installs. */
class FakeWebContents extends EventEmitter implements GuardableWebContents {
  windowOpenHandler?: (details: { url: string }) => WindowOpenDecision;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenDecision): void {
    this.windowOpenHandler = handler;
  }
  /**
   * Emits a preventable event the way Electron 45 does: the URL on the event object
   * (what the guard reads), then the deprecated positional arguments. The positional URL
   * is a decoy here, so a guard that still read it would let the navigation through.
   */
  fire(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview', url = '', isMainFrame = event !== 'will-frame-navigate'): boolean {
    let prevented = false;
    this.emit(event, { url, isMainFrame, preventDefault: () => (prevented = true) }, 'app://pyramidscope/index.html', false, isMainFrame);
    return prevented;
  }
}

describe('isAllowedNavigation', () => {
  it('allows the app origin only', () => {
    expect(isAllowedNavigation('app://pyramidscope/index.html')).toBe(true);
    for (const url of ['https://github.com/', 'file:///etc/passwd', 'app://evil/', 'about:blank', 'javascript:alert(1)']) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });
});

describe('decideWindowOpen', () => {
  it('always denies a new window; hands allow-listed https links to the browser', () => {
    const opened: string[] = [];
    expect(decideWindowOpen('https://huggingface.co/timm', (u) => opened.push(u))).toEqual({ action: 'deny' });
    expect(decideWindowOpen('https://evil.example/', (u) => opened.push(u))).toEqual({ action: 'deny' });
    expect(decideWindowOpen('app://pyramidscope/index.html', (u) => opened.push(u))).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://huggingface.co/timm']);
  });
});

describe('guardWebContents', () => {
  const setup = () => {
    const contents = new FakeWebContents();
    const openExternal = vi.fn<(url: string) => void>();
    guardWebContents(contents, openExternal);
    return { contents, openExternal };
  };

  it('blocks navigation and redirects away from app://', () => {
    const { contents } = setup();
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-navigate', 'app://pyramidscope/index.html')).toBe(false);
    expect(contents.fire('will-redirect', 'app://pyramidscope/index.html#restore')).toBe(false);
  });

  it('blocks a subframe navigating away from app:// (will-frame-navigate)', () => {
    const { contents } = setup();
    expect(contents.fire('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-frame-navigate', 'javascript:alert(1)')).toBe(true);
    expect(contents.fire('will-frame-navigate', 'app://pyramidscope/index.html')).toBe(false);
  });

  it('guards the top frame, every subframe, redirects and <webview>', () => {
    const { contents } = setup();
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      expect(contents.listenerCount(event), event).toBe(1);
    }
  });

  it('refuses every <webview>', () => {
    expect(setup().contents.fire('will-attach-webview')).toBe(true);
  });

  it('denies window.open, opening only allow-listed links outside', () => {
    const { contents, openExternal } = setup();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'https://github.com/huggingface/pytorch-image-models' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://github.com/huggingface/pytorch-image-models']]);
  });
});
