/**
 * Malformed and edge-case files for the bad-input tables (WebSocket contract
 * and CLI): images and safetensors built byte by byte, so each is exactly the
 * fault its name says.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const samples = path.resolve(import.meta.dirname, '../../resources/samples');
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A well-formed 8-bit RGB PNG declaring width×height, with `idat` as its compressed data. */
export function png(width: number, height: number, idat: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  // A plain Uint8Array: a Buffer would cross the wire as its toJSON() object.
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array())]));
}

export const sampleBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(path.join(samples, file)));

export const images = {
  onePixel: png(1, 1, deflateSync(Buffer.from([0, 200, 30, 60]))),
  /** Declares 30000×30000 (2.7 GB of RGB) but carries 1 KiB: must be refused from the header. */
  hugeHeader: png(30000, 30000, deflateSync(Buffer.alloc(1024))),
  zeroByZero: png(0, 0, deflateSync(Buffer.alloc(1))),
  empty: new Uint8Array(),
  truncatedPng: sampleBytes('chelsea.png').subarray(0, 1000),
  truncatedPngHeader: sampleBytes('chelsea.png').subarray(0, 20),
  truncatedJpeg: (() => {
    const b = sampleBytes('rocket.jpg');
    return b.subarray(0, b.length >> 1);
  })(),
  notes: text('these are my notes, not a picture\n'),
  svg: text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
  gif: text('GIF89a\x01\x00\x01\x00\x00\x00\x00'),
};

/** 8-byte little-endian header length (or `declaredLength`), the JSON header, then the data section. */
export function safetensors(header: object, data: Uint8Array, declaredLength?: bigint): Uint8Array {
  const json = text(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (n: number) => new Uint8Array(n * 4);
const t = (shape: number[], begin: number, end: number, dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });

export const weightFiles = {
  headerLength2pow63: safetensors({}, f32(4), 1n << 63n),
  headerPastEnd: safetensors({}, f32(1), 4096n),
  overlapping: safetensors({ 'conv1.weight': t([4], 0, 16), 'bn1.weight': t([4], 8, 24) }, f32(6)),
  outOfBounds: safetensors({ 'conv1.weight': t([250], 0, 1000) }, f32(4)),
  unknownDtype: safetensors({ 'conv1.weight': t([4], 0, 16, 'F99') }, f32(4)),
  trailingBytes: safetensors({ 'conv1.weight': t([4], 0, 16) }, f32(8)),
  /** A RegNet key, offered to a ResNet. */
  otherModel: safetensors({ 'stem.conv.weight': t([32, 3, 3, 3], 0, 3456) }, f32(864)),
  pytorchZip: text('PK\x03\x04' + '\0'.repeat(60)),
};
