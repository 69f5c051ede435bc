/**
 * The sandboxed preload (built as CommonJS): exposes the contract's named
 * functions on window.pyramidscope, and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { PRELOAD_FUNCTIONS } from '../../src-shared/preloadApi';
import type { EventName } from '../../src-shared/contract';

const api: Record<string, unknown> = {};
for (const [channel, fn] of Object.entries(PRELOAD_FUNCTIONS)) {
  api[fn] = (request: unknown) => ipcRenderer.invoke(channel, request);
}
api.onEvent = (event: EventName, listener: (payload: unknown) => void) => {
  const handler = (_e: unknown, m: { event: EventName; payload: unknown }) => {
    if (m.event === event) listener(m.payload);
  };
  ipcRenderer.on('engine:event', handler);
  return () => ipcRenderer.removeListener('engine:event', handler);
};

contextBridge.exposeInMainWorld('pyramidscope', api);
