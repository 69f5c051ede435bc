/**
 * Image decoding for the engine: PNG, JPEG and WebP bytes → 8-bit RGB.
 *
 * What timm does is `PIL.Image.open(f).convert('RGB')`; this module aims at the
 * same pixels:
 * - the format is sniffed from the magic bytes, never from the file name;
 * - alpha is dropped, not composited (PIL's convert('RGB') does the same);
 * - 16-bit PNG channels keep their high byte (PIL's "RGB;16B" etc.), except
 *   16-bit greyscale, which PIL opens as mode "I" and clips to 0..255 when it
 *   converts to RGB; we clip too, so the model sees what timm's model sees;
 * - EXIF orientation is ignored (PIL's Image.open does not apply it, nor does timm);
 * - colour profiles and PNG gamma are ignored (PIL ignores them in convert('RGB')).
 *
 * The declared width and height are read from the header and checked against
 * MAX_IMAGE_SIDE and MAX_IMAGE_PIXELS before any pixel buffer is allocated.
 *
 * Decoders: pngjs (PNG); libjpeg-turbo compiled to wasm from @cwasm/jpeg-turbo
 * (JPEG: what PIL uses, so the same pixels), with jpeg-js for what TurboJPEG
 * cannot turn into RGB (CMYK/YCCK, within a level of PIL) or gives up on (its
 * error decides the message); libwebp compiled to wasm from @cwasm/webp (WebP:
 * lossy, lossless, alpha; matches PIL exactly).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../errors';

/** 8-bit RGB, row-major, 3 bytes per pixel, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type SupportedImageFormat = 'png' | 'jpeg' | 'webp';

/** Longest allowed side, in pixels. */
export const MAX_IMAGE_SIDE = 16384;
/** Most pixels allowed in one image (8192 × 8192 ≈ 67 megapixels). */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

const SUPPORTED_TEXT = 'PNG, JPEG or WebP';

export interface ImageHeader {
  format: SupportedImageFormat;
  width: number;
  height: number;
}

function label(name: string | undefined): string {
  return name ? `"${name}"` : 'the image';
}

function bad(name: string | undefined, why: string, details: Record<string, unknown> = {}): EngineError {
  return new EngineError('BAD_IMAGE', `Cannot read ${label(name)}: ${why}. Supported formats: ${SUPPORTED_TEXT}.`, {
    name,
    ...details,
  });
}

function unsupported(name: string | undefined, what: string, details: Record<string, unknown> = {}): EngineError {
  return new EngineError(
    'UNSUPPORTED_IMAGE',
    `${label(name)} is ${what}, which is not supported. Supported formats: ${SUPPORTED_TEXT}.`,
    { name, ...details },
  );
}

function startsWith(bytes: Uint8Array, sig: ArrayLike<number>, at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Formats we recognise only to refuse them by name. */
const REFUSED_SIGNATURES: Array<{ sig: number[]; at?: number; what: string }> = [
  { sig: ascii('GIF87a'), what: 'a GIF image' },
  { sig: ascii('GIF89a'), what: 'a GIF image' },
  { sig: ascii('BM'), what: 'a BMP image' },
  { sig: [0x49, 0x49, 0x2a, 0x00], what: 'a TIFF image' },
  { sig: [0x4d, 0x4d, 0x00, 0x2a], what: 'a TIFF image' },
  { sig: [0x49, 0x49, 0x2b, 0x00], what: 'a BigTIFF image' },
  { sig: [0x4d, 0x4d, 0x00, 0x2b], what: 'a BigTIFF image' },
  { sig: [0x00, 0x00, 0x01, 0x00], what: 'an ICO icon' },
  { sig: ascii('8BPS'), what: 'a Photoshop (PSD) file' },
  { sig: ascii('%PDF'), what: 'a PDF document' },
  { sig: [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], what: 'a JPEG 2000 image' },
  { sig: [0xff, 0x4f, 0xff, 0x51], what: 'a JPEG 2000 codestream' },
  { sig: [0xff, 0x0a], what: 'a JPEG XL image' },
  { sig: [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20], what: 'a JPEG XL image' },
  { sig: ascii('qoif'), what: 'a QOI image' },
];

function looksLikeSvg(bytes: Uint8Array): boolean {
  // SVG is XML text: look for an <svg element near the start.
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('<')) return false;
  return /<svg[\s>/]/i.test(head);
}

function describeUnknown(bytes: Uint8Array): string {
  for (const r of REFUSED_SIGNATURES) if (startsWith(bytes, r.sig, r.at ?? 0)) return r.what;
  // ISO-BMFF (HEIC, AVIF, ...): size, 'ftyp', brand.
  if (startsWith(bytes, ascii('ftyp'), 4) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (/^avi[fs]$/.test(brand)) return 'an AVIF image';
    if (/^(hei[cxms]|hev[cxms]|mif1|msf1)$/.test(brand)) return 'a HEIC/HEIF image';
    return `an ISO media file (brand "${brand.replace(/[^\x20-\x7e]/g, '?')}")`;
  }
  if (startsWith(bytes, ascii('RIFF')) && bytes.length >= 12) {
    const kind = String.fromCharCode(...bytes.subarray(8, 12)).replace(/[^\x20-\x7e]/g, '?');
    return `a RIFF "${kind}" file`;
  }
  return '';
}

/**
 * The format the bytes claim by their magic number, or undefined. Recognises
 * only the formats we decode; see readImageHeader for refusals by name.
 */
export function sniffImageFormat(bytes: Uint8Array): SupportedImageFormat | undefined {
  if (startsWith(bytes, PNG_SIG)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

function checkSize(name: string | undefined, format: SupportedImageFormat, width: number, height: number): void {
  if (!(width >= 1 && height >= 1)) {
    throw bad(name, `its ${format.toUpperCase()} header declares a ${width}×${height} image`, { format, width, height });
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    const mp = (width * height) / 1e6;
    throw new EngineError(
      'IMAGE_TOO_LARGE',
      `${label(name)} is ${width}×${height} pixels (${mp.toFixed(1)} megapixels); ` +
        `the most allowed is ${MAX_IMAGE_SIDE} pixels a side and ${(MAX_IMAGE_PIXELS / 1e6).toFixed(1)} megapixels in all. ` +
        'Scale it down first.',
      { name, format, width, height, maxSide: MAX_IMAGE_SIDE, maxPixels: MAX_IMAGE_PIXELS },
    );
  }
}

// ---------------------------------------------------------------- PNG

interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function readPngHeader(bytes: Uint8Array, name: string | undefined): PngInfo {
  if (bytes.length < 8 + 8 + 13) throw bad(name, `the PNG file is truncated (${bytes.length} bytes, no complete header)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(8);
  if (len !== 13 || !startsWith(bytes, ascii('IHDR'), 12)) throw bad(name, 'the PNG file does not start with an IHDR chunk');
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  const depths = PNG_DEPTHS[colorType];
  if (!depths) throw bad(name, `the PNG colour type ${colorType} is invalid`, { colorType });
  if (!depths.includes(bitDepth)) {
    throw bad(name, `the PNG bit depth ${bitDepth} is invalid for colour type ${colorType}`, { colorType, bitDepth });
  }
  return { width, height, bitDepth, colorType };
}

/**
 * Walks the chunks (so truncation is reported as such) and, for grey/RGB
 * images, drops tRNS: pngjs would zero the pixels of the transparent colour,
 * while PIL keeps their colour and ignores transparency in convert('RGB').
 */
function preparePngChunks(bytes: Uint8Array, name: string | undefined, info: PngInfo): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keep: Array<[number, number]> = [];
  let pos = 8;
  let sawIdat = false;
  let sawEnd = false;
  let stripped = false;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) break;
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const end = pos + 12 + len;
    if (len > 0x7fffffff || end > bytes.length) {
      throw bad(name, `the PNG file is truncated (chunk ${JSON.stringify(type)} at byte ${pos} needs ${len} bytes, file has ${bytes.length - pos - 12})`, {
        size: bytes.length,
      });
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'tRNS' && (info.colorType === 0 || info.colorType === 2)) {
      stripped = true;
    } else {
      keep.push([pos, end]);
    }
    pos = end;
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (!sawIdat) throw bad(name, 'the PNG file has no image data (no IDAT chunk); it is truncated or corrupt', { size: bytes.length });
  if (!sawEnd) throw bad(name, 'the PNG file is truncated (no IEND chunk)', { size: bytes.length });
  if (!stripped && keep.length > 0 && keep[keep.length - 1][1] === pos) {
    return bytes.subarray(0, pos);
  }
  const total = 8 + keep.reduce((s, [a, b]) => s + (b - a), 0);
  const out = new Uint8Array(total);
  out.set(bytes.subarray(0, 8), 0);
  let o = 8;
  for (const [a, b] of keep) {
    out.set(bytes.subarray(a, b), o);
    o += b - a;
  }
  return out;
}

/** Bits per pixel of each PNG colour type, per bit of depth. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Inflates the image data strictly before pngjs sees it: pngjs can turn a broken
 * deflate stream whose chunk CRCs are intact into an all-black image without an
 * error. A stream that does not inflate, or inflates to less than the image needs,
 * is refused here with zlib's reason.
 */
function checkPngImageData(png: Uint8Array, name: string | undefined, info: PngInfo): void {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const parts: Uint8Array[] = [];
  for (let pos = 8; pos + 12 <= png.length; ) {
    const len = dv.getUint32(pos);
    if (png[pos + 4] === 0x49 && png[pos + 5] === 0x44 && png[pos + 6] === 0x41 && png[pos + 7] === 0x54) parts.push(png.subarray(pos + 8, pos + 8 + len)); // IDAT
    pos += 12 + len;
  }
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(parts));
  } catch (e) {
    throw bad(name, `the PNG image data is corrupt (${e instanceof Error ? e.message : String(e)})`, { format: 'png' });
  }
  const interlaced = png[28] === 1;
  const rowBytes = Math.ceil((info.width * info.bitDepth * PNG_CHANNELS[info.colorType]) / 8);
  // Adam7's passes add filter bytes and padding, so only the plain layout has an exact size to check.
  if (!interlaced && raw.length < info.height * (rowBytes + 1)) {
    throw bad(name, `the PNG image data is truncated (${raw.length} of ${info.height * (rowBytes + 1)} bytes)`, { format: 'png' });
  }
}

function decodePng(bytes: Uint8Array, name: string | undefined): RgbImage {
  const info = readPngHeader(bytes, name);
  checkSize(name, 'png', info.width, info.height);
  const prepared = preparePngChunks(bytes, name, info);
  checkPngImageData(prepared, name, info);
  const sixteen = info.bitDepth === 16;
  let png: { width: number; height: number; data: ArrayLike<number> };
  try {
    png = PNG.sync.read(Buffer.from(prepared.buffer, prepared.byteOffset, prepared.byteLength), {
      skipRescale: sixteen,
    }) as unknown as { width: number; height: number; data: ArrayLike<number> };
  } catch (e) {
    if (e instanceof RangeError && /alloc|memory|Array buffer|Invalid typed array length/i.test(e.message)) {
      throw new EngineError('IMAGE_TOO_LARGE', `${label(name)} is too large to decode here (${e.message}).`, {
        name,
        format: 'png',
        width: info.width,
        height: info.height,
      });
    }
    throw bad(name, `the PNG data is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`, {
      format: 'png',
    });
  }
  const { width, height } = info;
  const n = width * height;
  const src = png.data;
  if (png.width !== width || png.height !== height || src.length < n * 4) {
    throw bad(name, 'the PNG decoder returned an image of the wrong size', { format: 'png' });
  }
  const out = new Uint8Array(n * 3);
  if (!sixteen) {
    // pngjs gives RGBA 8-bit: grey replicated, palette expanded, low depths scaled as PIL does.
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      out[i * 3] = src[j];
      out[i * 3 + 1] = src[j + 1];
      out[i * 3 + 2] = src[j + 2];
    }
  } else if (info.colorType === 0) {
    // PIL: 16-bit grey opens as mode "I"; convert('RGB') clips the value to 0..255.
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const v = src[j] > 255 ? 255 : src[j];
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    }
  } else {
    // PIL: "RGB;16B", "RGBA;16B", "LA;16B" keep the high byte.
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      out[i * 3] = src[j] >> 8;
      out[i * 3 + 1] = src[j + 1] >> 8;
      out[i * 3 + 2] = src[j + 2] >> 8;
    }
  }
  return { width, height, data: out };
}

// ---------------------------------------------------------------- JPEG

const SOF_NAMES: Record<number, string> = {
  0xc0: 'baseline',
  0xc1: 'extended sequential',
  0xc2: 'progressive',
  0xc3: 'lossless',
  0xc5: 'differential sequential',
  0xc6: 'differential progressive',
  0xc7: 'differential lossless',
  0xc9: 'arithmetic-coded sequential',
  0xca: 'arithmetic-coded progressive',
  0xcb: 'arithmetic-coded lossless',
  0xcd: 'arithmetic-coded differential sequential',
  0xce: 'arithmetic-coded differential progressive',
  0xcf: 'arithmetic-coded differential lossless',
};

interface JpegInfo {
  width: number;
  height: number;
  sof: number;
  precision: number;
  components: number;
}

/**
 * Walks the JPEG markers: finds the frame header (SOFn) and checks that the
 * stream reaches its EOI marker (a truncated file has none; PIL refuses those).
 */
function scanJpeg(bytes: Uint8Array, name: string | undefined): JpegInfo {
  const n = bytes.length;
  let pos = 2;
  let info: JpegInfo | undefined;
  const truncated = (where: string): EngineError =>
    bad(name, `the JPEG file is truncated (${where}, at byte ${pos} of ${n})`, { format: 'jpeg', size: n });
  for (;;) {
    if (pos >= n) throw truncated(info ? 'no end-of-image marker' : 'no frame header');
    // libjpeg skips stray bytes before a marker (with a warning); so do we.
    while (pos < n && bytes[pos] !== 0xff) pos++;
    if (pos >= n) throw truncated(info ? 'no end-of-image marker' : 'no frame header');
    while (pos < n && bytes[pos] === 0xff) pos++;
    if (pos >= n) throw truncated('inside a marker');
    const marker = bytes[pos++];
    if (marker === 0xd9) {
      if (!info) throw bad(name, 'the JPEG file has no frame header', { format: 'jpeg' });
      return info;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > n) throw truncated('inside a marker');
    const len = (bytes[pos] << 8) | bytes[pos + 1];
    if (len < 2) throw bad(name, `the JPEG marker 0xFF${marker.toString(16).toUpperCase()} has a bad length`, { format: 'jpeg' });
    if (pos + len > n) throw truncated(`marker 0xFF${marker.toString(16).toUpperCase()} needs ${len} bytes`);
    if (marker in SOF_NAMES && !info) {
      if (len < 8) throw bad(name, 'the JPEG frame header is too short', { format: 'jpeg' });
      info = {
        sof: marker,
        precision: bytes[pos + 2],
        height: (bytes[pos + 3] << 8) | bytes[pos + 4],
        width: (bytes[pos + 5] << 8) | bytes[pos + 6],
        components: bytes[pos + 7],
      };
      // Check support and size before looking at (let alone decoding) the scans.
      if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) {
        throw unsupported(name, `a ${SOF_NAMES[marker]} JPEG`, { format: 'jpeg', sof: marker });
      }
      if (info.precision !== 8) {
        throw unsupported(name, `a ${info.precision}-bit JPEG (only 8-bit JPEG is)`, { format: 'jpeg', precision: info.precision });
      }
      if (info.height === 0) {
        throw unsupported(name, 'a JPEG whose height is set later in the stream (DNL marker)', { format: 'jpeg' });
      }
      checkSize(name, 'jpeg', info.width, info.height);
      if (info.components !== 1 && info.components !== 3 && info.components !== 4) {
        throw unsupported(name, `a JPEG with ${info.components} colour components`, { format: 'jpeg' });
      }
    }
    pos += len;
    if (marker === 0xda) {
      if (!info) throw bad(name, 'the JPEG scan comes before its frame header', { format: 'jpeg' });
      // Entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart marker.
      for (;;) {
        if (pos + 1 >= n) throw truncated('inside the image data');
        if (bytes[pos] === 0xff) {
          const m = bytes[pos + 1];
          if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) {
            pos += m === 0xff ? 1 : 2;
            continue;
          }
          break;
        }
        pos++;
      }
    }
  }
}

/**
 * jpeg-js counts the memory it allocates and refuses past this cap. A 3-component
 * image at the pixel limit needs about 13.5 bytes a pixel (measured: 8192×8192
 * needed ~865 MB); 16 bytes a pixel leaves room.
 */
const JPEG_MAX_MEMORY_MB = Math.ceil((MAX_IMAGE_PIXELS * 16) / (1024 * 1024));

let jpegTurboWasm: WebAssembly.Module | undefined;

function jpegTurboModule(): WebAssembly.Module {
  if (!jpegTurboWasm) {
    const require = createRequire(import.meta.url);
    jpegTurboWasm = new WebAssembly.Module(readFileSync(require.resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm')));
  }
  return jpegTurboWasm;
}

interface JpegTurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(handle: number, src: number, size: number, width: number, height: number, subsamp: number, colorspace: number): number;
  tjDecompress2(handle: number, src: number, size: number, dst: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
  tjDestroy(handle: number): number;
}

/** TurboJPEG's TJPF_RGB; flags 0 = libjpeg's defaults (accurate integer IDCT, fancy upsampling), as PIL decodes. */
const TJPF_RGB = 0;

/**
 * libjpeg-turbo compiled to wasm (@cwasm/jpeg-turbo): the library PIL decodes with,
 * with PIL's settings, so the pixels are PIL's exactly (checked on 4:2:0, 4:2:2,
 * 4:4:4, progressive and greyscale files). Undefined where it gives up (libjpeg's
 * error exit arrives as a thrown longjmp), so the caller can try jpeg-js instead.
 * A fresh instance per image: its memory goes away with it.
 */
function decodeWithLibjpeg(bytes: Uint8Array, width: number, height: number): RgbImage | undefined {
  const fail = (): never => {
    throw new Error('libjpeg error exit');
  };
  try {
    const instance = new WebAssembly.Instance(jpegTurboModule(), {
      env: { setjmp: () => 0, longjmp: fail },
      wasi_snapshot_preview1: { environ_sizes_get: () => 0, environ_get: fail, proc_exit: fail, fd_close: fail, fd_seek: fail, fd_write: fail },
    });
    const ex = instance.exports as unknown as JpegTurboExports;
    const src = ex.malloc(bytes.length);
    const meta = ex.malloc(16);
    const dst = ex.malloc(width * height * 3);
    const handle = ex.tjInitDecompress();
    if (!src || !meta || !dst || !handle) return undefined;
    new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
    if (ex.tjDecompressHeader3(handle, src, bytes.length, meta, meta + 4, meta + 8, meta + 12) !== 0) return undefined;
    const [w, h] = new Uint32Array(ex.memory.buffer, meta, 2);
    if (w !== width || h !== height) return undefined;
    if (ex.tjDecompress2(handle, src, bytes.length, dst, width, width * 3, height, TJPF_RGB, 0) !== 0) return undefined;
    return { width, height, data: new Uint8Array(ex.memory.buffer, dst, width * height * 3).slice() };
  } catch {
    return undefined;
  }
}

function decodeJpeg(bytes: Uint8Array, name: string | undefined): RgbImage {
  const info = scanJpeg(bytes, name);
  // CMYK/YCCK (4 components): TurboJPEG cannot give RGB; jpeg-js converts them as PIL does, within a level.
  if (info.components !== 4) {
    const exact = decodeWithLibjpeg(bytes, info.width, info.height);
    if (exact) return exact;
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Math.ceil(MAX_IMAGE_PIXELS / 1e6),
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxResolutionInMP|maxMemoryUsageInMB|allocate/.test(msg)) {
      throw new EngineError('IMAGE_TOO_LARGE', `${label(name)} needs too much memory to decode (${msg}).`, {
        name,
        format: 'jpeg',
        width: info.width,
        height: info.height,
      });
    }
    if (/Unsupported color mode/.test(msg)) {
      throw unsupported(name, `a JPEG with ${info.components} colour components in an unknown colour space`, { format: 'jpeg' });
    }
    throw bad(name, `the JPEG data is corrupt (${msg})`, { format: 'jpeg' });
  }
  if (img.width !== info.width || img.height !== info.height || img.data.length !== img.width * img.height * 3) {
    throw bad(name, 'the JPEG decoder returned an image of the wrong size', { format: 'jpeg' });
  }
  return { width: img.width, height: img.height, data: img.data };
}

// ---------------------------------------------------------------- WebP

interface WebpInfo {
  width: number;
  height: number;
  animated: boolean;
}

function readWebpHeader(bytes: Uint8Array, name: string | undefined): WebpInfo {
  const n = bytes.length;
  if (n < 30) throw bad(name, `the WebP file is truncated (${n} bytes, no complete header)`, { format: 'webp' });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffSize = dv.getUint32(4, true);
  if (riffSize + 8 > n) {
    throw bad(name, `the WebP file is truncated (its header says ${riffSize + 8} bytes, the file has ${n})`, {
      format: 'webp',
      size: n,
    });
  }
  const chunk = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  const p = 20; // chunk payload
  if (chunk === 'VP8 ') {
    // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
    if (bytes[p + 3] !== 0x9d || bytes[p + 4] !== 0x01 || bytes[p + 5] !== 0x2a) {
      throw bad(name, 'the WebP (lossy) frame header is corrupt', { format: 'webp' });
    }
    return { width: dv.getUint16(p + 6, true) & 0x3fff, height: dv.getUint16(p + 8, true) & 0x3fff, animated: false };
  }
  if (chunk === 'VP8L') {
    if (bytes[p] !== 0x2f) throw bad(name, 'the WebP (lossless) header is corrupt', { format: 'webp' });
    const bits = dv.getUint32(p + 1, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false };
  }
  if (chunk === 'VP8X') {
    const flags = bytes[p];
    const w = (bytes[p + 4] | (bytes[p + 5] << 8) | (bytes[p + 6] << 16)) + 1;
    const h = (bytes[p + 7] | (bytes[p + 8] << 8) | (bytes[p + 9] << 16)) + 1;
    return { width: w, height: h, animated: (flags & 0x02) !== 0 };
  }
  throw bad(name, `the WebP file has an unknown first chunk ${JSON.stringify(chunk)}`, { format: 'webp' });
}

let webpWasm: WebAssembly.Module | undefined;

function webpModule(): WebAssembly.Module {
  if (!webpWasm) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@cwasm/webp/webp.wasm');
    webpWasm = new WebAssembly.Module(readFileSync(file));
  }
  return webpWasm;
}

interface WebpExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  WebPDecodeRGBA(data: number, size: number, width: number, height: number): number;
}

function decodeWebp(bytes: Uint8Array, name: string | undefined): RgbImage {
  const info = readWebpHeader(bytes, name);
  checkSize(name, 'webp', info.width, info.height);
  if (info.animated) throw unsupported(name, 'an animated WebP', { format: 'webp' });
  const noSyscall = (): never => {
    throw new Error('syscall not available');
  };
  const tooLarge = (): EngineError =>
    new EngineError('IMAGE_TOO_LARGE', `${label(name)} is too large to decode (the WebP decoder ran out of memory).`, {
      name,
      format: 'webp',
      width: info.width,
      height: info.height,
    });
  let ex: WebpExports;
  let outPtr: number;
  let metaPtr: number;
  try {
    // A fresh instance per image: its memory goes away with it.
    const instance = new WebAssembly.Instance(webpModule(), {
      wasi_snapshot_preview1: { fd_close: noSyscall, fd_seek: noSyscall, fd_write: noSyscall },
    });
    ex = instance.exports as unknown as WebpExports;
    const inPtr = ex.malloc(bytes.length);
    metaPtr = ex.malloc(8);
    if (!inPtr || !metaPtr) throw tooLarge();
    new Uint8Array(ex.memory.buffer, inPtr, bytes.length).set(bytes);
    outPtr = ex.WebPDecodeRGBA(inPtr, bytes.length, metaPtr, metaPtr + 4);
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (e instanceof RangeError) throw tooLarge();
    throw bad(name, `the WebP decoder failed (${e instanceof Error ? e.message : String(e)})`, { format: 'webp' });
  }
  if (!outPtr) throw bad(name, 'the WebP data is corrupt or truncated', { format: 'webp' });
  const meta = new Uint32Array(ex.memory.buffer, metaPtr, 2);
  const width = meta[0];
  const height = meta[1];
  if (width !== info.width || height !== info.height) {
    throw bad(name, `the WebP decoder returned ${width}×${height}, the header said ${info.width}×${info.height}`, { format: 'webp' });
  }
  const n = width * height;
  const rgba = new Uint8Array(ex.memory.buffer, outPtr, n * 4);
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j];
    out[i * 3 + 1] = rgba[j + 1];
    out[i * 3 + 2] = rgba[j + 2];
  }
  return { width, height, data: out };
}

// ---------------------------------------------------------------- entry points

function refuseUnknown(bytes: Uint8Array, name: string | undefined): never {
  if (bytes.length === 0) throw bad(name, 'the file is empty (0 bytes)', { size: 0 });
  if (looksLikeSvg(bytes)) {
    throw unsupported(name, 'an SVG file (a vector drawing, not a raster image; export it to PNG first)', { format: 'svg' });
  }
  const what = describeUnknown(bytes);
  if (what) throw unsupported(name, what, {});
  const first = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw bad(name, `it is not a PNG, JPEG or WebP image (its first bytes are ${first}; the file name is not used to guess the format)`, {
    size: bytes.length,
  });
}

/**
 * The format, width and height that the file declares, read from its header
 * without decoding pixels. Throws EngineError for anything decodeImage would
 * refuse by its header (unknown or unsupported format, too large, empty).
 */
export function readImageHeader(bytes: Uint8Array, name?: string): ImageHeader {
  const format = sniffImageFormat(bytes);
  switch (format) {
    case 'png': {
      const h = readPngHeader(bytes, name);
      checkSize(name, 'png', h.width, h.height);
      return { format, width: h.width, height: h.height };
    }
    case 'jpeg': {
      const h = scanJpeg(bytes, name);
      return { format, width: h.width, height: h.height };
    }
    case 'webp': {
      const h = readWebpHeader(bytes, name);
      checkSize(name, 'webp', h.width, h.height);
      return { format, width: h.width, height: h.height };
    }
    default:
      return refuseUnknown(bytes, name);
  }
}

/**
 * Decodes PNG, JPEG or WebP bytes to 8-bit RGB (what PIL's
 * Image.open(f).convert('RGB') gives). `name` is used only in messages.
 */
export function decodeImage(bytes: Uint8Array, name?: string): RgbImage {
  switch (sniffImageFormat(bytes)) {
    case 'png':
      return decodePng(bytes, name);
    case 'jpeg':
      return decodeJpeg(bytes, name);
    case 'webp':
      return decodeWebp(bytes, name);
    default:
      return refuseUnknown(bytes, name);
  }
}
