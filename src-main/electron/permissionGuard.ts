/**
 * Permission requests (camera, microphone, notifications, geolocation, local
 * network access, …) are all denied: the app needs none, and an injected page
 * must not get them (Electron security checklist item 5). Electron grants every
 * request a session has no handler for.
 */

/** The subset of Electron's Session the guard uses. */
export interface GuardableSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  /** WebHID / WebSerial / WebUSB devices: without a handler, a device once picked stays granted. */
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
}

export function denyAllPermissions(session: GuardableSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** The subset of Electron's App the client-certificate guard uses. */
export interface GuardableApp {
  on(event: 'select-client-certificate', listener: (event: { preventDefault(): void }, webContents: unknown, url: string, certificates: unknown[], callback: (certificate?: never) => void) => void): unknown;
}

/**
 * Never answers a TLS client-certificate request with a certificate from the
 * user's store. Unhandled, Electron sends the first matching one, and since
 * Electron 44 it does so for main-process `net` requests too, not only for pages.
 * The app needs none (the hub is public).
 */
export function refuseClientCertificates(app: GuardableApp): void {
  app.on('select-client-certificate', (event, _webContents, _url, _certificates, callback) => {
    event.preventDefault();
    callback();
  });
}
