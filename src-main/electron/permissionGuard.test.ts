/** Every permission request and check is denied. */
import { describe, expect, it } from 'vitest';
import { denyAllPermissions, type GuardableSession } from './permissionGuard';

describe('denyAllPermissions', () => {
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem', 'hid', 'serial', 'usb'])('denies %s', async (permission) => {
    let request: Parameters<GuardableSession['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<GuardableSession['setPermissionCheckHandler']>[0] | undefined;
    denyAllPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) });
    const granted = await new Promise<boolean>((resolve) => request?.({}, permission, resolve));
    expect(granted).toBe(false);
    expect(check?.({}, permission)).toBe(false);
  });
});
