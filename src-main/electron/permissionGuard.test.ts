/** Every permission request, permission check and device permission is denied; no client certificate is ever sent. */
import { describe, expect, it, vi } from 'vitest';
import { denyAllPermissions, refuseClientCertificates, type GuardableApp, type GuardableSession } from './permissionGuard';

function guardedSession() {
  let request: Parameters<GuardableSession['setPermissionRequestHandler']>[0] | undefined;
  let check: Parameters<GuardableSession['setPermissionCheckHandler']>[0] | undefined;
  let device: Parameters<GuardableSession['setDevicePermissionHandler']>[0] | undefined;
  denyAllPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h), setDevicePermissionHandler: (h) => (device = h) });
  return { request: request!, check: check!, device: device! };
}

describe('denyAllPermissions', () => {
  // Electron 45's permission names include the ones added since 38 (local network access, wake locks, …).
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem', 'hid', 'serial', 'usb', 'local-network-access', 'loopback-network', 'screen-wake-lock', 'window-management', 'unknown'])('denies %s', async (permission) => {
    const { request, check } = guardedSession();
    const granted = await new Promise<boolean>((resolve) => request({}, permission, resolve));
    expect(granted).toBe(false);
    expect(check({}, permission)).toBe(false);
  });

  it('denies every HID, serial and USB device', () => {
    const { device } = guardedSession();
    for (const deviceType of ['hid', 'serial', 'usb']) expect(device({ deviceType, origin: 'app://pyramidscope', device: {} })).toBe(false);
  });
});

describe('refuseClientCertificates', () => {
  it('prevents Electron’s automatic choice and answers with no certificate, for pages and net requests alike', () => {
    let listener: Parameters<GuardableApp['on']>[1] | undefined;
    refuseClientCertificates({ on: (_event, l) => (listener = l) });
    for (const webContents of [{ id: 1 }, null]) {
      const preventDefault = vi.fn();
      const callback = vi.fn();
      listener?.({ preventDefault }, webContents, 'https://mtls.example/', [{ subjectName: 'me' }], callback);
      expect(preventDefault).toHaveBeenCalledOnce();
      expect(callback).toHaveBeenCalledOnce();
      expect(callback.mock.calls[0]).toEqual([]);
    }
  });
});
