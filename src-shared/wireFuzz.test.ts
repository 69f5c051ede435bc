/**
 * Property-based fuzzing of the WebSocket framing (wire.ts, wireParts.ts) in
 * process, with fast-check: generated messages round-trip exactly; mutated and
 * lying frames (header lengths, blob tables, blob references, type names) are
 * refused with an Error or decode to plain data and whole typed arrays — never
 * another kind of object, never bytes outside the blob area; lying part
 * announcements are refused before their buffer is allocated, and the
 * assembler reads the next honest frame after any refusal.
 *
 * The same frames over the real server: src-main/server/wsFuzz.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from './wire';
import { FrameAssembler, messagesFor } from './wireParts';
import { BLOB_INDICES, BLOB_TYPES, TYPES, fuzzRuns, messageArb, mutate, mutationArb, rawFrame, u32, type Typed } from './wireArbitraries';

const runs = (n: number) => fuzzRuns(n, process.env.PYRAMIDSCOPE_FUZZ_SEED);

/** What a message should decode to: JSON's view of plain values, typed arrays kept as their type and bytes. */
function normalise(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return { type: v.constructor.name, bytes: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v === undefined ? null : JSON.parse(JSON.stringify(v) ?? 'null');
}

/** Checks that a decoded value holds only JSON data and whole typed arrays lying inside `frame`. */
function assertSane(v: unknown, frame: Uint8Array, depth = 0): void {
  if (depth > 10_000) return;
  if (ArrayBuffer.isView(v)) {
    expect(TYPES.some((T) => v instanceof T), `a ${Object.prototype.toString.call(v)} came out of the frame`).toBe(true);
    const t = v as Typed;
    expect(t.byteLength % t.BYTES_PER_ELEMENT).toBe(0);
    if (t.buffer === frame.buffer) expect(t.byteOffset + t.byteLength).toBeLessThanOrEqual(frame.byteOffset + frame.byteLength);
    return;
  }
  expect(v instanceof ArrayBuffer, 'a raw ArrayBuffer came out of the frame').toBe(false);
  if (Array.isArray(v)) for (const x of v) assertSane(x, frame, depth + 1);
  else if (v && typeof v === 'object') {
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    for (const x of Object.values(v)) assertSane(x, frame, depth + 1);
  }
}

/** Decodes, and holds the property: an Error, or sane data. */
function decodeOrRefuse(frame: Uint8Array): { ok: boolean; value?: unknown; error?: Error } {
  let value: unknown;
  try {
    value = decodeFrame(frame);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message.length).toBeGreaterThan(0);
    return { ok: false, error: e as Error };
  }
  assertSane(value, frame);
  return { ok: true, value };
}

const counts: Record<string, number> = {};
const timed = (name: string, n: number, fn: () => void) => {
  const t0 = performance.now();
  fn();
  counts[name] = n;
  console.log(`[fuzz] wire: ${name}: ${n} cases in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
};

describe('wire framing under fuzzing', () => {
  it('round-trips every generated message exactly', () => {
    timed('round trip', 1000, () =>
      fc.assert(
        fc.property(messageArb, (m) => {
          const frame = encodeFrame({ m });
          const back = decodeFrame(frame) as { m: unknown };
          assertSane(back, frame);
          expect(normalise(back.m)).toEqual(normalise(m));
        }),
        runs(1000),
      ),
    );
  });

  it('refuses mutated frames with an Error, or decodes them to plain data and whole typed arrays', () => {
    timed('mutated frames', 3000, () =>
      fc.assert(
        fc.property(messageArb, mutationArb, (m, mutation) => {
          decodeOrRefuse(mutate(encodeFrame({ id: 1, channel: 'features:compute', payload: m }), mutation));
        }),
        runs(3000),
      ),
    );
  });

  it('refuses lying blob references, type names and tables with a frame error', () => {
    const rowArb = fc.tuple(u32, u32);
    timed('lying blob tables', 2000, () =>
      fc.assert(
        fc.property(
          fc.constantFrom(...BLOB_TYPES),
          fc.constantFrom(...BLOB_INDICES),
          fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
          fc.option(fc.array(rowArb, { maxLength: 4 }), { nil: undefined }),
          fc.option(u32, { nil: undefined }),
          (type, index, blobs, table, count) => {
            const frame = rawFrame(JSON.stringify({ id: 1, payload: { x: { $blob: index, type } } }), blobs, table, count);
            const r = decodeOrRefuse(frame);
            if (!r.ok) expect(r.error?.message).toMatch(/^frame |JSON|position/);
            else {
              // Accepted only when the reference is exactly a blob the frame carries, of a known type.
              const x = (r.value as { payload: { x: Typed } }).payload.x;
              expect(x.constructor.name).toBe(type);
              expect(Number.isInteger(index) && (index as number) >= 0).toBe(true);
            }
          },
        ),
        runs(2000),
      ),
    );
  });

  it('refuses lying part announcements before allocating, and reads the next honest frame after any refusal', () => {
    const honest = encodeFrame({ id: 'next', payload: new Float32Array([1, 2, 3]) });
    const big = encodeFrame({ id: 'big', payload: new Uint8Array(3000).map((_, i) => i & 0xff) });
    const step = fc.oneof(
      fc.constant({ kind: 'honest-small' as const }),
      fc.record({ kind: fc.constant('honest-parts' as const), part: fc.integer({ min: 64, max: 2000 }) }),
      fc.record({ kind: fc.constant('announce' as const), bytes: fc.oneof(fc.nat(), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 40, -1, 0.5, 8)), count: fc.oneof(fc.nat(5000), fc.constantFrom(0, -1, 1, 2 ** 31, 1.5)) }),
      fc.record({ kind: fc.constant('part' as const), bytes: fc.uint8Array({ maxLength: 512 }) }),
    );
    timed('part announcements', 1500, () =>
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
          const a = new FrameAssembler();
          for (const s of steps) {
            const messages =
              s.kind === 'honest-small' ? [honest] : s.kind === 'honest-parts' ? messagesFor(big, s.part) : s.kind === 'announce' ? [encodeFrame({ type: 'parts', bytes: s.bytes, count: s.count })] : [s.bytes];
            for (const msg of messages) {
              try {
                a.push(msg);
              } catch (e) {
                expect(e).toBeInstanceOf(Error);
                // After a refusal the assembler is clean: an honest frame reads as itself.
                expect((a.push(honest) as { id: string }).id).toBe('next');
              }
            }
          }
          // A lying announcement left pending is finished off by parts (or refused); then honest frames read again.
          for (let i = 0; i < 6000; i++) {
            try {
              if ((a.push(honest) as { id?: string } | undefined)?.id === 'next') return;
            } catch {
              /* the pending announcement refused the frame as a part */
            }
          }
          throw new Error('the assembler never read an honest frame again');
        }),
        runs(1500),
      ),
    );
  });
});
