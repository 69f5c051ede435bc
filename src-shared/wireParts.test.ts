import { describe, expect, it } from 'vitest';
import { encodeFrame } from './wire';
import { FrameAssembler, messagesFor } from './wireParts';

const pyramid = () => ({ id: 7, result: { levels: [new Float32Array(5000).map((_, i) => Math.sin(i)), new Uint16Array(3001).map((_, i) => i)] } });

describe('frames in parts', () => {
  it('sends a small frame whole and a large one as an announcement plus raw parts, reassembled exactly', () => {
    const frame = encodeFrame(pyramid());
    expect(messagesFor(frame, frame.byteLength)).toEqual([frame]);
    const messages = messagesFor(frame, 4096);
    expect(messages.length).toBe(1 + Math.ceil(frame.byteLength / 4096));
    const a = new FrameAssembler();
    const decoded = messages.map((m) => a.push(m.slice()));
    expect(decoded.slice(0, -1).every((d) => d === undefined)).toBe(true);
    const back = decoded[decoded.length - 1] as ReturnType<typeof pyramid>;
    expect(back.id).toBe(7);
    expect(Array.from(back.result.levels[0])).toEqual(Array.from(pyramid().result.levels[0]));
    expect(back.result.levels[1]).toBeInstanceOf(Uint16Array);
    expect(back.result.levels[1][3000]).toBe(3000);
    // The assembler is ready for the next frame.
    expect(a.push(encodeFrame({ id: 8 }))).toEqual({ id: 8 });
  });

  it('refuses parts that overrun or fall short of the announcement, and absurd announcements', () => {
    const frame = encodeFrame(pyramid());
    const [head, ...parts] = messagesFor(frame, 4096);
    const a = new FrameAssembler();
    a.push(head);
    expect(() => a.push(new Uint8Array(frame.byteLength + 1))).toThrow(/overrun/);
    const b = new FrameAssembler();
    b.push(head);
    for (const p of parts.slice(0, -1)) b.push(p);
    expect(() => b.push(new Uint8Array(1))).toThrow(/hold \d+ of the announced/);
    expect(() => new FrameAssembler().push(encodeFrame({ type: 'parts', bytes: 2 ** 40, count: 1 }))).toThrow(/bad parts announcement/);
  });
});
