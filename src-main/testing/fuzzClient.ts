/**
 * A WebSocket client for fuzzing web mode: it sends anything (malformed
 * frames, text, raw bytes) and collects every reply, so a test can ask "what
 * came back for that, and does the next valid request still work".
 * Every wait is bounded in time.
 */
import WebSocket from 'ws';
import { encodeFrame } from '../../src-shared/wire';
import { FrameAssembler } from '../../src-shared/wireParts';
import type { Reply } from './wsReplies';

export class FuzzClient {
  readonly replies: Reply[] = [];
  private wake?: () => void;
  private closed?: number;
  private nextFollowUp = 0;

  private constructor(readonly ws: WebSocket) {
    const assembler = new FrameAssembler();
    ws.on('message', (data: Buffer) => {
      const m = assembler.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) as Reply | undefined;
      if (m !== undefined && m.type === 'result') this.replies.push(m);
      this.wake?.();
    });
    ws.on('close', (code) => {
      this.closed = code;
      this.wake?.();
    });
    ws.on('error', () => {});
  }

  static connect(port: number): Promise<FuzzClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: `http://127.0.0.1:${port}` });
      ws.once('open', () => resolve(new FuzzClient(ws)));
      ws.once('error', reject);
    });
  }

  get closeCode(): number | undefined {
    return this.closed;
  }

  /** Waits until `done` holds, a close, or the time limit. */
  private async until(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && this.closed === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${ms} ms (replies so far: ${this.replies.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /**
   * Sends `message` as is, then a valid request; resolves with every reply that
   * is not the follow-up's (the fuzzed message's) and the follow-up's own.
   */
  async exchange(message: Uint8Array | string, followUp: { channel: string; payload: unknown } = { channel: 'zoo:describe', payload: { model: 'resnet18' } }, ms = 60_000): Promise<{ others: Reply[]; followUp?: Reply }> {
    const start = this.replies.length;
    const id = `follow-up-${++this.nextFollowUp}`;
    this.ws.send(message, { binary: typeof message !== 'string' });
    this.ws.send(encodeFrame({ id, channel: followUp.channel, payload: followUp.payload }));
    const mine = () => this.replies.slice(start);
    await this.until(() => mine().some((r) => r.id === id) && mine().length >= 2, ms);
    return { others: mine().filter((r) => r.id !== id), followUp: mine().find((r) => r.id === id) };
  }

  /** One request and its reply (by id). */
  async call(channel: string, payload: unknown, ms = 60_000): Promise<Reply> {
    const id = `call-${++this.nextFollowUp}`;
    const start = this.replies.length;
    this.ws.send(encodeFrame({ id, channel, payload }));
    await this.until(() => this.replies.slice(start).some((r) => r.id === id), ms);
    const r = this.replies.slice(start).find((x) => x.id === id);
    if (!r) throw new Error(`the connection closed (${this.closed}) before ${channel} was answered`);
    return r;
  }

  /** Forgets what was received (keeps memory flat over thousands of cases). */
  clear(): void {
    this.replies.length = 0;
  }

  close(): void {
    this.ws.close();
  }
}
