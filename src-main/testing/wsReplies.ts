/**
 * Test clients of web mode's WebSocket: each socket's messages go through one
 * FrameAssembler (large replies arrive in parts), and waiters get whole frames.
 */
import type WebSocket from 'ws';
import { encodeFrame } from '../../src-shared/wire';
import { FrameAssembler } from '../../src-shared/wireParts';

export type Reply = { type?: string; id?: unknown; ok: boolean; result?: unknown; error?: { code: string; message: string } };

const waiting = new WeakMap<WebSocket, Set<(m: Reply) => void>>();

function waitersOf(ws: WebSocket): Set<(m: Reply) => void> {
  let set = waiting.get(ws);
  if (!set) {
    const waiters = new Set<(m: Reply) => void>();
    const assembler = new FrameAssembler();
    ws.on('message', (data: Buffer) => {
      const m = assembler.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) as Reply | undefined;
      if (m !== undefined) for (const w of [...waiters]) w(m);
    });
    waiting.set(ws, waiters);
    set = waiters;
  }
  return set;
}

/** The next whole frame the socket receives. */
export function nextReply(ws: WebSocket): Promise<Reply> {
  const waiters = waitersOf(ws);
  return new Promise((resolve) => {
    const w = (m: Reply) => {
      waiters.delete(w);
      resolve(m);
    };
    waiters.add(w);
  });
}

/** Sends a frame and resolves with the result frame carrying `id`. */
export function sendFrame(ws: WebSocket, frame: Uint8Array, id: unknown): Promise<Reply> {
  const waiters = waitersOf(ws);
  const reply = new Promise<Reply>((resolve) => {
    const w = (m: Reply) => {
      if (m.type !== 'result' || m.id !== id) return;
      waiters.delete(w);
      resolve(m);
    };
    waiters.add(w);
  });
  ws.send(frame);
  return reply;
}

export const call = (ws: WebSocket, id: number, channel: string, payload: unknown): Promise<Reply> => sendFrame(ws, encodeFrame({ id, channel, payload }), id);
