/**
 * What a page may navigate to or open (Electron security checklist items 13
 * and 14): in-app navigation stays on app://, new windows are never created,
 * and only allow-listed https links go to the user's browser. Applied to every
 * webContents the app creates, so a future window cannot forget it.
 */
import { isAppUrl } from './appProtocol';
import { isAllowedExternalUrl } from './externalLinks';

export interface PreventableEvent {
  preventDefault(): void;
}

/**
 * What Electron hands a navigation listener (its Event<WebContentsWill…NavigateEventParams>):
 * the target URL is on the event itself. The positional `url` argument after it has been
 * deprecated since Electron 25 and is not used.
 */
export interface NavigationEvent extends PreventableEvent {
  url: string;
  isMainFrame: boolean;
}

export type WindowOpenDecision = { action: 'deny' };

/** The subset of Electron's WebContents the guard uses (so a test can pass a fake). */
export interface GuardableWebContents {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenDecision): void;
}

/** A page may only navigate within the app's own origin. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * window.open / target=_blank: never a new Electron window. An allow-listed
 * https link is handed to the user's browser instead.
 */
export function decideWindowOpen(url: string, openExternal: (url: string) => void): WindowOpenDecision {
  if (isAllowedExternalUrl(url)) openExternal(url);
  return { action: 'deny' };
}

export function guardWebContents(contents: GuardableWebContents, openExternal: (url: string) => void): void {
  const blockForeign = (event: NavigationEvent) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  };
  // The top frame (will-navigate), every frame, subframes included (will-frame-navigate: the
  // app has none, and the CSP keeps foreign frames out; this holds if that changes), and
  // server redirects.
  contents.on('will-navigate', blockForeign);
  contents.on('will-frame-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  // webviewTag is off in every window; refuse a <webview> even if that ever changes.
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => decideWindowOpen(url, openExternal));
}
