import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeFrame } from '../../src-shared/wire';
import { createWsClient } from './wsClient';

/** A WebSocket stand-in: the test plays the server through `reply` and `deliver`. */
class FakeSocket {
  static OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  binaryType = '';
  sent: Array<{ id: number; channel: string }> = [];
  closed = false;
  onopen?: () => void;
  onerror?: () => void;
  onclose?: () => void;
  onmessage?: (ev: { data: ArrayBuffer }) => void;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
    queueMicrotask(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    });
  }
  send(frame: Uint8Array) {
    this.sent.push(decodeFrame(frame) as { id: number; channel: string });
  }
  close() {
    this.closed = true;
    this.readyState = 3;
    this.onclose?.();
  }
  deliver(bytes: Uint8Array) {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
  }
  reply(result: unknown) {
    const last = this.sent[this.sent.length - 1];
    this.deliver(encodeFrame({ type: 'result', id: last.id, ok: true, result }));
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.made = [];
});

describe('the web-mode client', () => {
  it('fails the waiting call with BAD_FRAME on a frame it cannot read, then reconnects and works', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const client = createWsClient('ws://127.0.0.1:1/engine');
    const call = client.invoke('zoo:list', {});
    await flush();
    const [first] = FakeSocket.made;
    first.deliver(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    await expect(call).rejects.toMatchObject({ code: 'BAD_FRAME', message: expect.stringContaining('cannot read') });
    expect(first.closed).toBe(true);

    const again = client.invoke('zoo:list', {});
    await flush();
    expect(FakeSocket.made).toHaveLength(2);
    FakeSocket.made[1].reply({ models: [] });
    await expect(again).resolves.toEqual({ models: [] });
  });

  it('refuses a well-framed message that is neither a result nor an event', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const client = createWsClient('ws://127.0.0.1:1/engine');
    const call = client.invoke('engine:info', {});
    await flush();
    FakeSocket.made[0].deliver(encodeFrame({ hello: 'world' }));
    await expect(call).rejects.toMatchObject({ code: 'BAD_FRAME', message: expect.stringContaining('neither a result nor an event') });
  });

  it('passes results and coded errors through', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const client = createWsClient('ws://127.0.0.1:1/engine');
    const ok = client.invoke('engine:info', {});
    await flush();
    const socket = FakeSocket.made[0];
    socket.reply({ backend: 'wasm' });
    await expect(ok).resolves.toEqual({ backend: 'wasm' });
    const bad = client.invoke('zoo:describe', { model: 'nope' });
    await flush();
    socket.deliver(encodeFrame({ type: 'result', id: socket.sent[1].id, ok: false, error: { code: 'UNKNOWN_MODEL', message: "no model 'nope'" } }));
    await expect(bad).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });
});
