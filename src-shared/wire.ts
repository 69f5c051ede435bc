/**
 * Binary framing for the WebSocket transport: a JSON header plus the raw
 * bytes of every typed array in the message, so a feature pyramid crosses as
 * ArrayBuffers, never as JSON number lists.
 *
 * Frame: [u32 LE header length][header JSON, UTF-8][padding to 8][blobs, each 8-aligned]
 */

type TypedArray = Float32Array | Float64Array | Uint8Array | Int32Array | Uint16Array | Uint32Array | Int16Array | Int8Array;
const TYPES = { Float32Array, Float64Array, Uint8Array, Int32Array, Uint16Array, Uint32Array, Int16Array, Int8Array } as const;
type TypeName = keyof typeof TYPES;

interface BlobRef {
  $blob: number;
  type: TypeName;
}

const align8 = (n: number) => (n + 7) & ~7;

function typeNameOf(v: unknown): TypeName | undefined {
  if (!ArrayBuffer.isView(v)) return undefined;
  for (const name of Object.keys(TYPES) as TypeName[]) if (v instanceof TYPES[name]) return name;
  return undefined;
}

export function encodeFrame(message: unknown): Uint8Array {
  const blobs: TypedArray[] = [];
  const header = JSON.stringify(message, (_key, value: unknown) => {
    const type = typeNameOf(value);
    if (type) {
      blobs.push(value as TypedArray);
      return { $blob: blobs.length - 1, type } satisfies BlobRef;
    }
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const offsets: number[] = [];
  let size = align8(4 + headerBytes.length);
  for (const b of blobs) {
    offsets.push(size);
    size = align8(size + b.byteLength);
  }
  // Append the blob table (offset, length) so the decoder needs no second pass.
  const tableStart = size;
  size += blobs.length * 8;
  const out = new Uint8Array(size + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  blobs.forEach((b, i) => {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offsets[i]);
    view.setUint32(tableStart + i * 8, offsets[i], true);
    view.setUint32(tableStart + i * 8 + 4, b.byteLength, true);
  });
  view.setUint32(size, blobs.length, true);
  return out;
}

const isTypeName = (t: unknown): t is TypeName => typeof t === 'string' && Object.hasOwn(TYPES, t);

export function decodeFrame(frame: ArrayBuffer | Uint8Array): unknown {
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  if (bytes.byteLength < 8) throw new Error('frame too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.byteLength) throw new Error('frame header runs past the frame');
  const count = view.getUint32(bytes.byteLength - 4, true);
  const tableStart = bytes.byteLength - 4 - count * 8;
  if (tableStart < 4 + headerLength) throw new Error('frame blob table is corrupt');
  // Blobs lie between the (8-aligned) end of the header and the table.
  const blobsStart = align8(4 + headerLength);
  const header = new TextDecoder().decode(bytes.subarray(4, 4 + headerLength));
  return JSON.parse(header, (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$blob' in value && 'type' in value) {
      const ref = value as { $blob: unknown; type: unknown };
      // Own names only: 'constructor' or 'toString' would reach Object's and hand out other objects.
      if (!isTypeName(ref.type)) throw new Error(`frame names an unknown blob type ${JSON.stringify(ref.type).slice(0, 40)}`);
      const index = ref.$blob;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) throw new Error('frame names a blob it does not carry');
      const Ctor = TYPES[ref.type];
      const offset = view.getUint32(tableStart + index * 8, true);
      const length = view.getUint32(tableStart + index * 8 + 4, true);
      if (offset < blobsStart || offset + length > tableStart) throw new Error('frame blob out of bounds');
      if (length % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`frame blob of ${length} bytes is not a whole number of ${ref.type} elements`);
      // A view, not a copy, where the frame's memory is aligned for the type (a received
      // WebSocket message always is): a 184 MiB pyramid must not exist twice. The view
      // keeps the frame alive, which is the pyramid itself plus a small header.
      const start = bytes.byteOffset + offset;
      if (start % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer as ArrayBuffer, start, length / Ctor.BYTES_PER_ELEMENT);
      const copy = bytes.slice(offset, offset + length);
      return new Ctor(copy.buffer, 0, length / Ctor.BYTES_PER_ELEMENT);
    }
    return value;
  });
}
