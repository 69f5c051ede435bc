/**
 * Permission requests (camera, microphone, notifications, geolocation, …) are
 * all denied: the app needs none, and an injected page must not get them
 * (Electron security checklist item 5).
 */

/** The subset of Electron's Session the guard uses. */
export interface GuardableSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
}

export function denyAllPermissions(session: GuardableSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
