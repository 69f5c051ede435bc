/**
 * Entry point of the engine process: a worker thread (web mode) or an
 * Electron utility process (desktop). Either way it receives calls from its
 * host and answers them with the EngineService.
 */
import { parentPort } from 'node:worker_threads';
import { EngineService, toContractError } from '../service';
import type { EngineToHost, HostToEngine } from './protocol';
import type { Channel } from '../../../src-shared/contract';

interface Port {
  postMessage(message: EngineToHost): void;
  onMessage(listener: (message: HostToEngine) => void): void;
}

function connect(): Port {
  // Electron's utilityProcess gives process.parentPort; worker_threads gives parentPort.
  const electronPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (electronPort) {
    return {
      postMessage: (m) => electronPort.postMessage(m),
      onMessage: (l) => electronPort.on('message', (e) => l(e.data as HostToEngine)),
    };
  }
  if (parentPort) {
    const p = parentPort;
    return { postMessage: (m) => p.postMessage(m), onMessage: (l) => p.on('message', l) };
  }
  throw new Error('engineWorker must run as a worker thread or an Electron utility process');
}

const port = connect();
const service = new EngineService((event, payload) => port.postMessage({ type: 'event', event, payload }));

// Model calls run one at a time: tfjs is single-threaded here, and ordering
// keeps caches coherent. Weights calls are I/O and must not wait behind a
// forward pass (a cancel has to reach the download it cancels).
const IMMEDIATE = new Set<string>(['weights:list', 'weights:download', 'weights:cancel', 'weights:remove']);
let queue: Promise<void> = Promise.resolve();

async function answer(id: number, channel: string, payload: unknown): Promise<void> {
  try {
    const result = await service.handle(channel as Channel, payload);
    port.postMessage({ type: 'result', id, ok: true, result });
  } catch (e) {
    port.postMessage({ type: 'result', id, ok: false, error: toContractError(e) });
  }
}

// Queued calls not yet started. A call the host gives up on (timeout, cancellation)
// leaves this set and is skipped when its turn comes, so stale requests cost nothing.
const waiting = new Set<number>();
// The queued call of each cancelGroup (features:compute from one UI pane).
const queuedInGroup = new Map<string, number>();

/** A newer compute of a group fails the group's queued, not yet started one with CANCELLED. */
function supersedeQueued(id: number, payload: unknown): void {
  const group = (payload as { cancelGroup?: unknown } | null)?.cancelGroup;
  if (typeof group !== 'string') return;
  const older = queuedInGroup.get(group);
  queuedInGroup.set(group, id);
  if (older !== undefined && waiting.delete(older)) {
    port.postMessage({ type: 'result', id: older, ok: false, error: { code: 'CANCELLED', message: 'superseded by a newer request from the same view' } });
  }
}

port.onMessage((message) => {
  if (message.type === 'cancel') {
    waiting.delete(message.id);
    return;
  }
  if (message.type !== 'call') return;
  if (IMMEDIATE.has(message.channel)) {
    void answer(message.id, message.channel, message.payload);
    return;
  }
  supersedeQueued(message.id, message.payload);
  waiting.add(message.id);
  queue = queue.then(async () => {
    // Let messages that arrived during the previous (synchronous) forward pass in
    // first: a cancel for this call may be among them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (waiting.delete(message.id)) return answer(message.id, message.channel, message.payload);
  });
});

port.postMessage({ type: 'ready' });
