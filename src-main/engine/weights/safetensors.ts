/**
 * A strict safetensors reader and a small writer.
 *
 * Format (https://github.com/huggingface/safetensors): 8 bytes little-endian
 * u64 N, then N bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets:
 * [begin, end] }, "__metadata__"?: { string: string } }`, then the data
 * section; offsets are relative to the data section. We refuse everything the
 * reference implementation refuses and a little more: the tensors must tile
 * the data section exactly (no gaps, no overlaps, no trailing bytes).
 *
 * PyTorch pickle checkpoints (.pth/.pt/.bin/.ckpt, or zip/pickle content under
 * any name) are never unpickled: unpickling runs arbitrary code.
 */
import { open } from 'node:fs/promises';
import { float16DecodeTable, toFloat16Bits } from '../../../src-shared/maps/float16';
import { basename, extname } from 'node:path';
import { EngineError } from '../errors';
import type { StateDict, TensorData } from './stateDict';
import { formatShape, numel } from './stateDict';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const ALLOWED = Object.keys(DTYPE_SIZE).join(', ');
/** Every dtype the format defines, to tell "not supported here" from "not a dtype". */
const KNOWN_DTYPES = new Set(['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);
/** Integer dtypes allowed only for BatchNorm's `num_batches_tracked` counter, which is skipped (never a model input). */
const COUNTER_DTYPE_SIZE: Record<string, number> = { I64: 8, I32: 4 };

/** The largest JSON header accepted, as the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bad(source: string, message: string, details: Record<string, unknown> = {}): EngineError {
  return new EngineError('BAD_SAFETENSORS', `${source}: ${message}`, { source, ...details });
}

interface HeaderEntry {
  key: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the header length without allocating anything proportional to it. */
function headerLength(head: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || head.byteLength < 8) throw bad(source, `file is ${fileSize} bytes, too short for a safetensors header (8-byte length first)`);
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw bad(source, `header length ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit; not a safetensors file or corrupt`, { headerLength: n.toString() });
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw bad(source, `header length ${len} bytes runs past the end of the ${fileSize}-byte file; truncated or not a safetensors file`, { headerLength: len, fileSize });
  }
  if (len < 2) throw bad(source, `header length ${len} is too short for a JSON object`);
  return len;
}

function parseHeader(bytes: Uint8Array, len: number, source: string): { entries: HeaderEntry[]; metadata: Record<string, string> | null } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + len));
  } catch {
    throw bad(source, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw bad(source, 'header must be a JSON object of tensors');
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [key, v] of Object.entries(json)) {
    if (key === '__metadata__') {
      if (!isPlainObject(v) || !Object.values(v).every((s) => typeof s === 'string')) {
        throw bad(source, '__metadata__ must be an object of string values');
      }
      metadata = v as Record<string, string>;
      continue;
    }
    if (!isPlainObject(v)) throw bad(source, `tensor '${key}' must be an object with dtype, shape and data_offsets`, { key });
    const { dtype, shape, data_offsets: offsets } = v;
    if (typeof dtype !== 'string') throw bad(source, `tensor '${key}' has no dtype string`, { key });
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw bad(source, `tensor '${key}' shape ${JSON.stringify(shape)} must be a list of whole numbers ≥ 0`, { key });
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    ) {
      throw bad(source, `tensor '${key}' data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 ≤ begin ≤ end`, { key });
    }
    entries.push({ key, dtype, shape: shape as number[], begin: offsets[0] as number, end: offsets[1] as number });
  }
  return { entries, metadata };
}

const isCounter = (e: HeaderEntry): boolean =>
  e.key.endsWith('num_batches_tracked') && e.dtype in COUNTER_DTYPE_SIZE && numel(e.shape) <= 1;

function checkLayout(entries: HeaderEntry[], dataLen: number, source: string): void {
  for (const e of entries) {
    const size = (DTYPE_SIZE as Record<string, number>)[e.dtype] ?? (isCounter(e) ? COUNTER_DTYPE_SIZE[e.dtype] : undefined);
    if (size === undefined) {
      const what = KNOWN_DTYPES.has(e.dtype) ? `dtype '${e.dtype}' is not supported` : `dtype '${e.dtype}' is not a safetensors dtype`;
      throw bad(source, `tensor '${e.key}': ${what}; allowed: ${ALLOWED}`, { key: e.key, dtype: e.dtype, allowed: Object.keys(DTYPE_SIZE) });
    }
    if (e.end > dataLen) {
      throw bad(source, `tensor '${e.key}' data_offsets [${e.begin}, ${e.end}] run past the ${dataLen}-byte data section`, { key: e.key });
    }
    const n = numel(e.shape);
    if (!Number.isSafeInteger(n * size) || n * size !== e.end - e.begin) {
      throw bad(
        source,
        `tensor '${e.key}' is ${e.end - e.begin} bytes but ${e.dtype} ${formatShape(e.shape)} needs ${n} × ${size} = ${n * size}`,
        { key: e.key },
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < pos) {
      throw bad(source, `tensor '${e.key}' data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev?.key}' (ends at ${pos})`, { key: e.key, other: prev?.key });
    }
    if (e.begin > pos) {
      throw bad(source, `bytes ${pos}..${e.begin} of the data section belong to no tensor (gap before '${e.key}')`, { key: e.key });
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) {
    throw bad(source, `${dataLen - pos} trailing bytes after the last tensor (data section is ${dataLen} bytes, tensors cover ${pos})`, { trailing: dataLen - pos });
  }
}

function readU16(bytes: Uint8Array, offset: number, n: number): Uint16Array {
  if (LITTLE_ENDIAN && (bytes.byteOffset + offset) % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset + offset, n);
  const out = new Uint16Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 2 * n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true);
  return out;
}

function decode(bytes: Uint8Array, offset: number, e: HeaderEntry): Float32Array {
  const n = numel(e.shape);
  switch (e.dtype as SafetensorsDtype) {
    case 'F32': {
      // A view over the file buffer where alignment allows: no copy.
      if (LITTLE_ENDIAN && (bytes.byteOffset + offset) % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset + offset, n);
      const out = new Float32Array(n);
      const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'F16': {
      const src = readU16(bytes, offset, n);
      const table = float16DecodeTable();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]];
      return out;
    }
    case 'BF16': {
      const src = readU16(bytes, offset, n);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return out;
    }
  }
}

export interface ParsedSafetensors {
  tensors: StateDict;
  metadata: Record<string, string> | null;
  /** Entries present in the file but not loaded (BatchNorm `num_batches_tracked` integer counters). */
  skipped: string[];
}

/** Parses a safetensors file fully, with its metadata. See {@link parseSafetensors}. */
export function parseSafetensorsFile(bytes: Uint8Array, source: string): ParsedSafetensors {
  const len = headerLength(bytes, bytes.byteLength, source);
  const { entries, metadata } = parseHeader(bytes, len, source);
  const dataStart = 8 + len;
  checkLayout(entries, bytes.byteLength - dataStart, source);
  const tensors: StateDict = new Map();
  const skipped: string[] = [];
  for (const e of [...entries].sort((a, b) => a.begin - b.begin)) {
    if (!(e.dtype in DTYPE_SIZE)) {
      skipped.push(e.key);
      continue;
    }
    const t: TensorData = { shape: e.shape, data: decode(bytes, dataStart + e.begin, e) };
    tensors.set(e.key, t);
  }
  return { tensors, metadata, skipped };
}

/**
 * Parses safetensors bytes into float32 tensors (F32 / F16 / BF16), refusing
 * anything malformed with an EngineError('BAD_SAFETENSORS') that names
 * `source`. F32 tensors may be views over `bytes`. Integer
 * `*.num_batches_tracked` scalars (which timm checkpoints carry) are skipped;
 * any other dtype is refused.
 */
export function parseSafetensors(bytes: Uint8Array, source: string): StateDict {
  return parseSafetensorsFile(bytes, source).tensors;
}

// ---------------------------------------------------------------- writing

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16, round to nearest even (NaN stays NaN). */
export function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Writes a state dict as safetensors (keys in the map's order), converting to `dtype`. */
export function serializeSafetensors(sd: StateDict, dtype: SafetensorsDtype = 'F32', metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const size = DTYPE_SIZE[dtype];
  if (size === undefined) throw new EngineError('BAD_DTYPE', `dtype '${String(dtype)}' cannot be written; allowed: ${ALLOWED}`);
  const header: Record<string, unknown> = { __metadata__: metadata };
  let pos = 0;
  for (const [key, t] of sd) {
    const n = numel(t.shape);
    if (t.data.length !== n) throw new EngineError('BAD_TENSOR', `tensor '${key}' has ${t.data.length} values but shape ${formatShape(t.shape)} needs ${n}`);
    header[key] = { dtype, shape: t.shape, data_offsets: [pos, pos + n * size] };
    pos += n * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // as the reference writer: pad with spaces to 8-byte alignment
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + pos);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let off = 8 + json.length;
  for (const t of sd.values()) {
    const n = t.data.length;
    if (dtype === 'F32') for (let i = 0; i < n; i++) dv.setFloat32(off + 4 * i, t.data[i], true);
    else if (dtype === 'F16') for (let i = 0; i < n; i++) dv.setUint16(off + 2 * i, toFloat16Bits(t.data[i]), true);
    else for (let i = 0; i < n; i++) dv.setUint16(off + 2 * i, floatToBf16(t.data[i]), true);
    off += n * size;
  }
  return out;
}

// ---------------------------------------------------------------- files

const PICKLE_EXTENSIONS = new Set(['.pth', '.pt', '.bin', '.ckpt', '.pkl', '.pickle', '.tar']);

export const CONVERT_HINT =
  "convert it to safetensors in Python: `import torch, safetensors.torch; p = 'model.pth'; " +
  "safetensors.torch.save_file(torch.load(p, map_location='cpu'), 'model.safetensors')` " +
  "(if the checkpoint wraps its weights, e.g. under 'state_dict' or 'model', save that entry)";

function pickleRefusal(path: string, why: string): EngineError {
  return new EngineError(
    'PICKLE_REFUSED',
    `${basename(path)} ${why}. Pickle checkpoints are never unpickled here (loading a pickle can run arbitrary code); ${CONVERT_HINT}`,
    { path },
  );
}

/** What the first bytes say, when they are a format we refuse. */
function sniffPickle(head: Uint8Array): string | null {
  // A safetensors file has '{' right after the 8-byte length; zip or pickle bytes that also
  // read as a plausible length are told apart by that.
  const jsonNext = head.length > 8 && head[8] === 0x7b;
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05) && (head[3] === 0x04 || head[3] === 0x06) && !jsonNext) {
    return 'is a zip archive (PyTorch\'s torch.save format)';
  }
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5 && !jsonNext) return `is a Python pickle (protocol ${head[1]})`;
  return null;
}

/**
 * Reads a local weights file: safetensors only. PyTorch checkpoints (by name,
 * or by their zip / pickle magic bytes under any name) are refused with
 * EngineError('PICKLE_REFUSED') and the one-line conversion. The file is read
 * once; F32 tensors are views over that one buffer.
 */
export async function readWeightsFile(path: string): Promise<StateDict> {
  const ext = extname(path).toLowerCase();
  if (PICKLE_EXTENSIONS.has(ext)) throw pickleRefusal(path, `has the PyTorch checkpoint extension '${ext}'`);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EngineError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `cannot read weights file ${path}: ${(e as Error).message}`, { path, code });
  }
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(Math.min(16, size));
    await fh.read(head, 0, head.length, 0);
    const pickle = sniffPickle(head);
    if (pickle) throw pickleRefusal(path, pickle);
    // Check the header length against the size before allocating the whole file.
    headerLength(head, size, path);
    const buf = new Uint8Array(new ArrayBuffer(size));
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, Math.min(size - got, 1 << 30), got); // fs reads max out below 2 GiB
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== size) throw bad(path, `file shrank while being read (${got} of ${size} bytes)`);
    return parseSafetensors(buf, path);
  } finally {
    await fh.close();
  }
}

/**
 * Weights given as bytes (an upload from the UI): the same refusals as
 * readWeightsFile — pickle formats by name or magic, then the strict reader.
 */
export function parseWeightsBytes(bytes: Uint8Array, name: string): StateDict {
  const ext = extname(name).toLowerCase();
  if (PICKLE_EXTENSIONS.has(ext)) throw pickleRefusal(name, `has the PyTorch checkpoint extension '${ext}'`);
  const pickle = sniffPickle(bytes.subarray(0, 16));
  if (pickle) throw pickleRefusal(name, pickle);
  return parseSafetensors(bytes, name);
}
