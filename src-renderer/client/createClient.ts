import type { EngineClient } from '../../src-shared/contract';
import type { PreloadApi } from '../../src-shared/preloadApi';
import { createIpcClient } from './ipcClient';
import { createWsClient } from './wsClient';

/** Electron when the preload is there, else web mode over the page's own server. */
export function createClient(): EngineClient {
  const api = (window as unknown as { pyramidscope?: PreloadApi }).pyramidscope;
  if (api) return createIpcClient(api);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWsClient(`${scheme}://${location.host}/ws`);
}
