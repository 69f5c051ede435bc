/**
 * Electron main: one secure window on app://, the engine in a utility
 * process, and the contract bound to ipcMain with sender checks.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNELS, ContractCallError, type Channel } from '../../src-shared/contract';
import type { IpcReply } from '../../src-shared/preloadApi';
import { EngineHost, callTimeoutFromEnv } from '../engine/host/engineHost';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler } from './appProtocol';
import { isTrustedSender } from './senderCheck';
import { secureWindowOptions } from './windowOptions';
import { utilitySpawner } from './utilityEngine';
import { guardWebContents } from './navigationGuard';
import { denyAllPermissions, refuseClientCertificates } from './permissionGuard';
import { appDialogs } from './testDialogs';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '../renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

/** Every native dialog the main process shows goes through here (tests stub it with PYRAMIDSCOPE_TEST_DIALOGS). */
export const dialogs = appDialogs(dialog);
// Test mode (PYRAMIDSCOPE_TEST_MODE=1): the renderer exposes window.pyramidscopeTest.state() and renders deterministically.
const TEST_MODE_QUERY = process.env.PYRAMIDSCOPE_TEST_MODE === '1' ? '?testMode=1' : '';

const engine = new EngineHost({ spawn: utilitySpawner(path.join(here, 'engineWorker.js')), callTimeoutMs: callTimeoutFromEnv(process.env) });

function bindContract(): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, payload: unknown): Promise<IpcReply<unknown>> => {
      if (!isTrustedSender(event.senderFrame)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `IPC from an untrusted frame refused: ${event.senderFrame?.url ?? 'unknown'}` } };
      }
      try {
        return { ok: true, result: await engine.invoke(channel as Channel, payload as never) };
      } catch (e) {
        const error = e instanceof ContractCallError ? e.error : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
        return { ok: false, error };
      }
    });
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(path.join(here, '../preload/index.cjs')));
  win.once('ready-to-show', () => win.show());
  // A crashed renderer reloads at #restore: the store reopens the view it saved in sessionStorage.
  win.webContents.on('render-process-gone', () => void win.loadURL(`${APP_ORIGIN}/index.html${TEST_MODE_QUERY}#restore`));
  const off = engine.onEvent((event, payload) => {
    if (!win.isDestroyed()) win.webContents.send('engine:event', { event, payload });
  });
  win.on('closed', off);
  void win.loadURL(`${APP_ORIGIN}/index.html${TEST_MODE_QUERY}`);
  return win;
}

// Every webContents, this window's or any later one's: navigation stays in the app,
// no new windows, only allow-listed https links open in the user's browser.
app.on('web-contents-created', (_event, contents) => {
  guardWebContents(contents, (url) => void shell.openExternal(url));
});
refuseClientCertificates(app);

void app.whenReady().then(() => {
  denyAllPermissions(session.defaultSession);
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererRoot, (fileUrl) => net.fetch(fileUrl)));
  bindContract();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void engine.close();
  if (process.platform !== 'darwin') app.quit();
});
