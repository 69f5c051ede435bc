/**
 * What the Electron preload exposes on `window.pyramidscope`: one named
 * function per contract channel plus an event subscription. Nothing else
 * (never ipcRenderer itself).
 */
import type { Channel, EventName, Events, RequestOf, ResponseOf } from './contract';

export const PRELOAD_FUNCTIONS = {
  'engine:info': 'engineInfo',
  'zoo:list': 'zooList',
  'zoo:describe': 'zooDescribe',
  'samples:list': 'samplesList',
  'features:compute': 'featuresCompute',
  'weights:list': 'weightsList',
  'weights:download': 'weightsDownload',
  'weights:cancel': 'weightsCancel',
  'weights:remove': 'weightsRemove',
  'explore:geometry': 'exploreGeometry',
  'explore:penultimate': 'explorePenultimate',
  'explore:gradient': 'exploreGradient',
} as const satisfies Record<Channel, string>;

export type PreloadApi = {
  [C in Channel as (typeof PRELOAD_FUNCTIONS)[C]]: (request: RequestOf<C>) => Promise<IpcReply<ResponseOf<C>>>;
} & {
  onEvent<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

/** IPC replies carry either a result or the contract's error shape (Electron would mangle thrown errors). */
export type IpcReply<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };
