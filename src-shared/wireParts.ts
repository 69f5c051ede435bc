/**
 * Large frames cross the WebSocket in parts. Chromium's renderer needs about
 * six times a binary message's size while it receives one (measured: a 187 MB
 * message peaked at 1.25 GB), so a 1024×1024 pyramid sent whole would cost a
 * GB of transient memory. A frame over PART_BYTES is announced by a small
 * frame `{ type: 'parts', bytes, count }` and follows as `count` raw messages,
 * which the receiver copies into one buffer of the announced size. WebSocket
 * messages arrive in order, and the sender queues a frame's parts together.
 * Every part but the last has the same size, so the receiver checks an
 * announcement against its first part before allocating its buffer.
 */
import { decodeFrame, encodeFrame } from './wire';

export const PART_BYTES = 4 * 2 ** 20;
/** No frame we send comes near this; a bigger announcement is refused before allocating. */
const MAX_FRAME_BYTES = 2 ** 32;

/** The messages that carry one frame: itself when small, else an announcement and its parts (views, not copies). */
export function messagesFor(frame: Uint8Array, partBytes = PART_BYTES): Uint8Array[] {
  if (frame.byteLength <= partBytes) return [frame];
  const count = Math.ceil(frame.byteLength / partBytes);
  const out = [encodeFrame({ type: 'parts', bytes: frame.byteLength, count })];
  for (let i = 0; i < count; i++) out.push(frame.subarray(i * partBytes, Math.min(frame.byteLength, (i + 1) * partBytes)));
  return out;
}

interface Announcement {
  type: 'parts';
  bytes: number;
  count: number;
}

const isAnnouncement = (m: unknown): m is Announcement => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'parts';

/** Turns received messages back into decoded frames. One per connection. */
export class FrameAssembler {
  private announced?: Announcement;
  private partial?: { buf: Uint8Array; filled: number; partsLeft: number; partBytes: number };

  /** Feeds one received message; returns the decoded frame once one is complete, else undefined. */
  push(data: ArrayBuffer | Uint8Array): unknown {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const a = this.announced;
    if (a) {
      // The first part says how big every part but the last is: the announcement must add up
      // with it before its buffer is allocated, so a lying announcement costs nothing.
      this.announced = undefined;
      const n = bytes.byteLength;
      if (n === 0 || (a.count - 1) * n >= a.bytes) throw new Error(`frame parts overrun the announced ${a.bytes} bytes (${a.count} parts, the first of ${n} bytes)`);
      if (a.count * n < a.bytes) throw new Error(`frame parts of ${n} bytes cannot hold the announced ${a.bytes} bytes in ${a.count} parts`);
      this.partial = { buf: new Uint8Array(a.bytes), filled: 0, partsLeft: a.count, partBytes: n };
    }
    const p = this.partial;
    if (p) {
      if (p.filled + bytes.byteLength > p.buf.byteLength || bytes.byteLength > p.partBytes) {
        this.partial = undefined;
        throw new Error(`frame parts overrun the announced ${p.buf.byteLength} bytes`);
      }
      p.buf.set(bytes, p.filled);
      p.filled += bytes.byteLength;
      if (--p.partsLeft > 0) return undefined;
      this.partial = undefined;
      if (p.filled !== p.buf.byteLength) throw new Error(`frame parts hold ${p.filled} of the announced ${p.buf.byteLength} bytes`);
      return decodeFrame(p.buf);
    }
    const m = decodeFrame(bytes);
    if (!isAnnouncement(m)) return m;
    if (!Number.isInteger(m.bytes) || m.bytes < 8 || m.bytes > MAX_FRAME_BYTES || !Number.isInteger(m.count) || m.count < 1 || m.count > m.bytes) {
      throw new Error(`bad parts announcement: ${JSON.stringify(m).slice(0, 200)}`);
    }
    this.announced = { type: 'parts', bytes: m.bytes, count: m.count };
    return undefined;
  }
}
