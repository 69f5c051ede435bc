/**
 * fast-check generators for the WebSocket framing, shared by the in-process
 * wire fuzz (wireFuzz.test.ts) and the real-server fuzz
 * (src-main/server/wsFuzz.test.ts): messages with typed arrays, hand-made
 * frames with any blob table, and the mutations that break frames (flipped
 * bytes, truncation, lying header lengths, blob counts and table rows).
 * Test-only: nothing in the app imports it.
 */
import fc from 'fast-check';

export const TYPES = [Float32Array, Float64Array, Uint8Array, Int32Array, Uint16Array, Uint32Array, Int16Array, Int8Array] as const;
export type Typed = InstanceType<(typeof TYPES)[number]>;
/** fast-check parameters: a fixed seed, so `npm test` is repeatable (set PYRAMIDSCOPE_FUZZ_SEED to explore others). */
export const fuzzRuns = (numRuns: number, seed: string | undefined): fc.Parameters<unknown> => ({ numRuns, seed: seed === undefined || seed === '' ? 20_250_518 : Number(seed), endOnFailure: true });

/** A typed array of any of the eight types, often a view into the middle of a larger buffer. */
export const typedArb: fc.Arbitrary<Typed> = fc
  .record({ t: fc.integer({ min: 0, max: TYPES.length - 1 }), n: fc.nat(48), lead: fc.nat(3), seed: fc.nat() })
  .map(({ t, n, lead, seed }) => {
    const Ctor = TYPES[t];
    const whole = new Ctor(n + lead + 1);
    const bytes = new Uint8Array(whole.buffer);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed + i * 131) & 0xff;
    return whole.subarray(lead, lead + n) as Typed;
  });

/** JSON values with typed arrays anywhere in them, as the contract's messages are. */
export const messageArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 2 }), typedArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
})).value;

export const BLOB_TYPES = ['Float32Array', 'Uint8Array', 'Float64Array', 'Int8Array', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'ArrayBuffer', 'DataView', 'Float16Array', 'BigInt64Array', '', 'uint8array'];
export const BLOB_INDICES: unknown[] = [0, 1, 2, -1, 0.5, 1e9, 2 ** 32, -0, '0', null, true, [], {}, 'NaN'];

/** A frame with a hand-written header and blob table: [u32 header length][header][pad][blobs][table][u32 count]. */
export function rawFrame(header: string, blobs: Uint8Array[] = [], table?: Array<[number, number]>, countOverride?: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  let size = (4 + h.length + 7) & ~7;
  const offsets: number[] = [];
  for (const b of blobs) {
    offsets.push(size);
    size = (size + b.length + 7) & ~7;
  }
  const tableStart = size;
  const rows = table ?? blobs.map((b, i) => [offsets[i], b.length] as [number, number]);
  size += rows.length * 8;
  const out = new Uint8Array(size + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, h.length, true);
  out.set(h, 4);
  blobs.forEach((b, i) => out.set(b, offsets[i]));
  rows.forEach(([o, l], i) => {
    view.setUint32(tableStart + i * 8, o >>> 0, true);
    view.setUint32(tableStart + i * 8 + 4, l >>> 0, true);
  });
  view.setUint32(size, (countOverride ?? rows.length) >>> 0, true);
  return out;
}

export type Mutation =
  | { kind: 'flip'; at: number; xor: number }[]
  | { kind: 'truncate'; to: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'headerLength'; value: number }
  | { kind: 'count'; value: number }
  | { kind: 'tableRow'; row: number; offset: number; length: number };

export const u32 = fc.oneof(fc.nat(64), fc.nat(), fc.constantFrom(0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff));
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 6 }),
  fc.record({ kind: fc.constant('truncate' as const), to: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ kind: fc.constant('headerLength' as const), value: u32 }),
  fc.record({ kind: fc.constant('count' as const), value: u32 }),
  fc.record({ kind: fc.constant('tableRow' as const), row: fc.nat(3), offset: u32, length: u32 }),
);

/** Applies a mutation to a copy of the frame. */
export function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  const out = new Uint8Array(frame);
  const view = new DataView(out.buffer);
  if (Array.isArray(m)) {
    for (const f of m) out[f.at % out.length] ^= f.xor;
    return out;
  }
  switch (m.kind) {
    case 'truncate':
      return out.slice(0, m.to % out.length);
    case 'extend': {
      const longer = new Uint8Array(out.length + m.bytes.length);
      longer.set(out);
      longer.set(m.bytes, out.length);
      return longer;
    }
    case 'headerLength':
      view.setUint32(0, m.value >>> 0, true);
      return out;
    case 'count':
      view.setUint32(out.length - 4, m.value >>> 0, true);
      return out;
    case 'tableRow': {
      const count = view.getUint32(out.length - 4, true);
      if (count === 0) return out;
      const row = out.length - 4 - count * 8 + (m.row % count) * 8;
      view.setUint32(row, m.offset >>> 0, true);
      view.setUint32(row + 4, m.length >>> 0, true);
      return out;
    }
  }
}

