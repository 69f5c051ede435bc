import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { toFloat16Bits } from '../../../src-shared/maps/float16';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { formulaStateDict } from './formula';
import { floatToBf16, parseSafetensors, parseSafetensorsFile, readWeightsFile, serializeSafetensors } from './safetensors';
import type { StateDict } from './stateDict';

const ENTRIES = [
  { key: 'conv1.weight', shape: [64, 3, 7, 7] },
  { key: 'bn1.weight', shape: [64] },
  { key: 'bn1.bias', shape: [64] },
  { key: 'bn1.running_mean', shape: [64] },
  { key: 'bn1.running_var', shape: [64] },
  { key: 'fc.weight', shape: [10, 64] },
  { key: 'fc.bias', shape: [10] },
];

function fixture(): StateDict {
  return formulaStateDict(ENTRIES);
}

/** A file from a raw header object and data section. */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function expectCode(fn: () => unknown, code: string, ...parts: Array<string | RegExp>): EngineError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineError);
  const e = err as EngineError;
  expect(e.code).toBe(code);
  for (const p of parts) expect(e.message).toMatch(p);
  return e;
}

describe('safetensors round trip', () => {
  it('F32 is exact, keeps order and shapes', () => {
    const sd = fixture();
    const bytes = serializeSafetensors(sd);
    const { tensors, metadata } = parseSafetensorsFile(bytes, 'rt.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(ENTRIES.map((e) => e.key));
    for (const [k, t] of sd) {
      expect(tensors.get(k)!.shape).toEqual(t.shape);
      expect(Array.from(tensors.get(k)!.data)).toEqual(Array.from(t.data));
    }
    // Header padded to 8 bytes, so the F32 data are aligned views.
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
  });

  it('F16 round trip is within half precision', () => {
    const sd = fixture();
    const back = parseSafetensors(serializeSafetensors(sd, 'F16'), 'f16');
    for (const [k, t] of sd) {
      const got = back.get(k)!.data;
      for (let i = 0; i < t.data.length; i++) expect(Math.abs(got[i] - t.data[i])).toBeLessThanOrEqual(Math.abs(t.data[i]) * 2 ** -11 + 2 ** -24);
    }
  });

  it('BF16 round trip is within bfloat16 precision', () => {
    const sd = fixture();
    const back = parseSafetensors(serializeSafetensors(sd, 'BF16'), 'bf16');
    for (const [k, t] of sd) {
      const got = back.get(k)!.data;
      for (let i = 0; i < t.data.length; i++) expect(Math.abs(got[i] - t.data[i])).toBeLessThanOrEqual(Math.abs(t.data[i]) * 2 ** -8);
    }
  });

  it('half and bfloat16 conversions round to nearest even and keep specials', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(1);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(-Infinity)).toBe(0xff80);
    expect(floatToBf16(NaN) & 0x7f80).toBe(0x7f80);
    expect(floatToBf16(NaN) & 0x7f).not.toBe(0);
  });

  it('reads unaligned F32 and empty tensors', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 1.5, true);
    new DataView(data.buffer).setFloat32(4, -2, true);
    // header of odd length → data section not 4-aligned
    const bytes = rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, e: { dtype: 'F32', shape: [0, 3], data_offsets: [8, 8] }, __metadata__: { x: 'y' } }, data);
    const sd = parseSafetensors(bytes, 'unaligned');
    expect(Array.from(sd.get('a')!.data)).toEqual([1.5, -2]);
    expect(sd.get('e')!.shape).toEqual([0, 3]);
  });

  it("skips timm's integer num_batches_tracked counters", () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 3, true);
    const bytes = rawFile({ 'bn1.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, 'bn1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [4, 12] } }, data);
    const r = parseSafetensorsFile(bytes, 'nbt');
    expect([...r.tensors.keys()]).toEqual(['bn1.weight']);
    expect(r.skipped).toEqual(['bn1.num_batches_tracked']);
  });
});

describe('safetensors: malformed files are refused', () => {
  it('header length 2^63 without allocating', () => {
    const bytes = rawFile({}, 0, 2n ** 63n);
    expectCode(() => parseSafetensors(bytes, 'huge.safetensors'), 'BAD_SAFETENSORS', /huge\.safetensors/, /9223372036854775808/, /limit/);
  });

  it('header longer than the file', () => {
    const bytes = rawFile({}, 0, 1000n);
    expectCode(() => parseSafetensors(bytes, 'short'), 'BAD_SAFETENSORS', /runs past the end/);
  });

  it('a file shorter than 8 bytes', () => {
    expectCode(() => parseSafetensors(new Uint8Array(5), 'tiny'), 'BAD_SAFETENSORS', /too short/);
  });

  it('overlapping offsets', () => {
    const bytes = rawFile(
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      12,
    );
    expectCode(() => parseSafetensors(bytes, 'ov'), 'BAD_SAFETENSORS', /overlap/, /'b'/);
  });

  it('out-of-bounds offsets', () => {
    const bytes = rawFile({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8);
    expectCode(() => parseSafetensors(bytes, 'oob'), 'BAD_SAFETENSORS', /run past the 8-byte data section/);
  });

  it('a gap between tensors', () => {
    const bytes = rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8);
    expectCode(() => parseSafetensors(bytes, 'gap'), 'BAD_SAFETENSORS', /belong to no tensor/);
  });

  it('byte length that does not match numel × dtype size', () => {
    const bytes = rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8);
    expectCode(() => parseSafetensors(bytes, 'len'), 'BAD_SAFETENSORS', /needs 3 × 4 = 12/);
  });

  it("unknown dtype 'I64' named with the allowed ones", () => {
    const bytes = rawFile({ step: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8);
    expectCode(() => parseSafetensors(bytes, 'i64'), 'BAD_SAFETENSORS', /'I64'/, /allowed: F32, F16, BF16/);
    const bogus = rawFile({ x: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, 1);
    expectCode(() => parseSafetensors(bogus, 'q4'), 'BAD_SAFETENSORS', /'Q4' is not a safetensors dtype/);
  });

  it('trailing bytes', () => {
    const good = serializeSafetensors(fixture());
    const bytes = new Uint8Array(good.length + 3);
    bytes.set(good);
    expectCode(() => parseSafetensors(bytes, 'trail'), 'BAD_SAFETENSORS', /3 trailing bytes/);
  });

  it('non-JSON, non-UTF-8 and non-object headers', () => {
    expectCode(() => parseSafetensors(rawFile('{"a": '), 'nj'), 'BAD_SAFETENSORS', /not valid JSON/);
    const bad = rawFile('{"a":1}');
    bad[9] = 0xff;
    expectCode(() => parseSafetensors(bad, 'utf'), 'BAD_SAFETENSORS', /UTF-8/);
    expectCode(() => parseSafetensors(rawFile('[1,2]'), 'arr'), 'BAD_SAFETENSORS', /JSON object/);
    expectCode(() => parseSafetensors(rawFile({ __metadata__: { a: 1 } }), 'meta'), 'BAD_SAFETENSORS', /__metadata__/);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), 'neg'), 'BAD_SAFETENSORS', /shape/);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, 8), 'rev'), 'BAD_SAFETENSORS', /data_offsets/);
  });
});

describe('readWeightsFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ps-st-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a safetensors file', async () => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, serializeSafetensors(fixture(), 'BF16'));
    const sd = await readWeightsFile(p);
    expect(sd.get('conv1.weight')!.shape).toEqual([64, 3, 7, 7]);
  });

  it('refuses .pth by name, with the conversion hint', async () => {
    const p = join(dir, 'resnet50.pth');
    await writeFile(p, serializeSafetensors(fixture())); // content does not matter: never opened
    const e = (await readWeightsFile(p).catch((x: unknown) => x)) as EngineError;
    expect(e.code).toBe('PICKLE_REFUSED');
    expect(e.message).toMatch(/never unpickled/);
    expect(e.message).toContain("safetensors.torch.save_file(torch.load(p, map_location='cpu'), 'model.safetensors')");
  });

  it.each(['.pt', '.bin', '.ckpt'])('refuses %s by name', async (ext) => {
    const p = join(dir, `w${ext}`);
    await writeFile(p, 'x');
    await expect(readWeightsFile(p)).rejects.toMatchObject({ code: 'PICKLE_REFUSED' });
  });

  it('refuses a torch zip (PK magic) under a .safetensors name without unpickling', async () => {
    const p = join(dir, 'sneaky.safetensors');
    // A zip local-file header as torch.save writes it, then a pickle that would run code if unpickled.
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00]), Buffer.from('archive/data.pkl\x80\x02cos\nsystem\n')]);
    await writeFile(p, zip);
    const e = (await readWeightsFile(p).catch((x: unknown) => x)) as EngineError;
    expect(e.code).toBe('PICKLE_REFUSED');
    expect(e.message).toMatch(/zip archive/);
    expect(e.message).toMatch(/never unpickled/);
  });

  it('refuses a raw pickle under any name', async () => {
    const p = join(dir, 'weights.data');
    await writeFile(p, Buffer.from('\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.', 'latin1'));
    await expect(readWeightsFile(p)).rejects.toMatchObject({ code: 'PICKLE_REFUSED', message: expect.stringMatching(/pickle \(protocol 2\)/) });
  });

  it('a safetensors file whose length bytes look like pickle magic is still read', async () => {
    // header length 0x0280 = 640: first bytes 80 02, then '{' at byte 8.
    const header = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }).padEnd(640, ' ');
    const bytes = rawFile(header, new Uint8Array(new Float32Array([7]).buffer));
    expect(bytes[0]).toBe(0x80);
    expect(bytes[1]).toBe(0x02);
    const p = join(dir, 'ok.safetensors');
    await writeFile(p, bytes);
    expect(Array.from((await readWeightsFile(p)).get('a')!.data)).toEqual([7]);
  });

  it('refuses a 2^63 header length on disk before reading the file', async () => {
    const p = join(dir, 'huge.safetensors');
    await writeFile(p, rawFile({}, 0, 2n ** 63n));
    await expect(readWeightsFile(p)).rejects.toMatchObject({ code: 'BAD_SAFETENSORS' });
  });

  it('names a missing file', async () => {
    await expect(readWeightsFile(join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
