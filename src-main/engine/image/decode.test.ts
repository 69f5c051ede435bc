import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, decodeImage, readImageHeader, sniffImageFormat } from './decode';
import { refusal } from '../../testing/refusal';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLES = path.join(ROOT, 'resources/samples');
const DATA = path.join(ROOT, 'test-data/image');

interface Fixture {
  file: string;
  note: string;
  pilMode: string;
  width: number;
  height: number;
  sha256: string;
  data: number[];
}
const decodeRefs = JSON.parse(readFileSync(path.join(DATA, 'decode-refs.json'), 'utf8')) as {
  fixtures: Fixture[];
  rocketPil: { sha256: string; channelSums: number[]; rowSums: number[] };
};
const transformRefs = JSON.parse(readFileSync(path.join(DATA, 'transform-refs.json'), 'utf8')) as {
  cases: Array<{ image: string; inputSha256: string }>;
};

const sample = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(SAMPLES, name)));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// ---- PNG building helpers (for fixtures made in the tests)
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function ihdr(width: number, height: number, depth = 8, colorType = 2): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  d[8] = depth;
  d[9] = colorType;
  return pngChunk('IHDR', d);
}
const PNG_SIG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decodeImage: the sample images', () => {
  it.each(['astronaut.png', 'chelsea.png', 'coffee.png'])('%s decodes to exactly the pixels PIL gives', (name) => {
    const img = decodeImage(sample(name), name);
    const ref = transformRefs.cases.find((c) => c.image === name)!;
    expect(img.data.length).toBe(img.width * img.height * 3);
    expect(sha(img.data)).toBe(ref.inputSha256);
  });

  it('gives the documented sizes', () => {
    const sizes = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'].map((n) => {
      const img = decodeImage(sample(n), n);
      return [img.width, img.height];
    });
    expect(sizes).toEqual([
      [512, 512],
      [451, 300],
      [600, 400],
      [640, 427],
    ]);
  });

  it('rocket.jpg decodes to exactly the pixels PIL gives (libjpeg-turbo, PIL\'s settings)', () => {
    const img = decodeImage(sample('rocket.jpg'), 'rocket.jpg');
    expect(sha(img.data)).toBe(decodeRefs.rocketPil.sha256);
    // The transform references start from PIL's own decode of the file.
    expect(sha(img.data)).toBe(transformRefs.cases.find((c) => c.image === 'rocket.jpg')!.inputSha256);
  });
});

describe('decodeImage: PNG and WebP variants match PIL convert("RGB") exactly', () => {
  const exact = decodeRefs.fixtures.filter((f) => !f.file.endsWith('.jpg'));
  it('covers the variants', () => {
    expect(exact.map((f) => f.file)).toEqual(
      expect.arrayContaining(['rgb16.png', 'grey16.png', 'palette4_trns.png', 'rgba8.png', 'rgb_trns.png', 'interlaced.png', 'lossy.webp', 'lossless.webp', 'alpha.webp', 'one.png']),
    );
  });
  it.each(exact.map((f) => [f.file, f] as const))('%s', (_file, f) => {
    const img = decodeImage(new Uint8Array(readFileSync(path.join(DATA, 'decode', f.file))), f.file);
    expect([img.width, img.height]).toEqual([f.width, f.height]);
    expect(Array.from(img.data)).toEqual(f.data);
  });

  it('16-bit grey clips to 255 as PIL does, 16-bit RGB keeps the high byte', () => {
    const g = decodeImage(new Uint8Array(readFileSync(path.join(DATA, 'decode', 'grey16.png'))));
    // first row was written as 0, 1, 100, 255, 256, 1000
    expect(Array.from(g.data.subarray(0, 18)).filter((_, i) => i % 3 === 0)).toEqual([0, 1, 100, 255, 255, 255]);
    const rgba = decodeImage(new Uint8Array(readFileSync(path.join(DATA, 'decode', 'rgba8.png'))));
    // pixel 0 is fully transparent, its colour is kept (no compositing onto black or white)
    const f = decodeRefs.fixtures.find((x) => x.file === 'rgba8.png')!;
    expect(Array.from(rgba.data.subarray(0, 3))).toEqual(f.data.slice(0, 3));
  });
});

describe('decodeImage: JPEG variants match PIL convert("RGB")', () => {
  // libjpeg-turbo decodes 4:2:0, 4:4:4, progressive and greyscale exactly as PIL does. Adobe CMYK
  // goes through jpeg-js (TurboJPEG gives no RGB for it), measured within one level.
  const bounds: Record<string, [number, number]> = {
    'q90_420.jpg': [0, 0],
    'q90_444.jpg': [0, 0],
    'progressive.jpg': [0, 0],
    'grey.jpg': [0, 0],
    'cmyk.jpg': [1, 0.1],
  };
  it.each(Object.keys(bounds))('%s', (file) => {
    const f = decodeRefs.fixtures.find((x) => x.file === file)!;
    const img = decodeImage(new Uint8Array(readFileSync(path.join(DATA, 'decode', file))), file);
    expect([img.width, img.height]).toEqual([f.width, f.height]);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < f.data.length; i++) {
      const d = Math.abs(img.data[i] - f.data[i]);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max).toBeLessThanOrEqual(bounds[file][0]);
    expect(sum / f.data.length).toBeLessThanOrEqual(bounds[file][1]);
  });
});

describe('decodeImage: 1×1 images are allowed', () => {
  it('decodes a 1×1 PNG made by pngjs', () => {
    const png = new PNG({ width: 1, height: 1 });
    png.data.set([200, 10, 30, 255]);
    const img = decodeImage(new Uint8Array(PNG.sync.write(png)), 'dot.png');
    expect(img).toEqual({ width: 1, height: 1, data: new Uint8Array([200, 10, 30]) });
  });
});

describe('decodeImage: refusals', () => {
  it('refuses an empty file', () => {
    const e = refusal(() => decodeImage(new Uint8Array(0), 'empty.png'));
    expect(e.code).toBe('BAD_IMAGE');
    expect(e.message).toContain('"empty.png"');
    expect(e.message).toContain('empty');
    expect(e.message).toContain('PNG, JPEG or WebP');
  });

  it('refuses a text file named .png (the name is not trusted)', () => {
    const bytes = new TextEncoder().encode('hello, this is not a picture\n');
    const e = refusal(() => decodeImage(bytes, 'notes.png'));
    expect(e.code).toBe('BAD_IMAGE');
    expect(e.message).toContain('"notes.png"');
    expect(e.message).toMatch(/not a PNG, JPEG or WebP/);
    expect(sniffImageFormat(bytes)).toBeUndefined();
  });

  it('sniffs by content: a PNG named .jpg decodes as PNG', () => {
    const img = decodeImage(sample('chelsea.png'), 'photo.jpg');
    expect([img.width, img.height]).toEqual([451, 300]);
  });

  it.each([
    ['svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'],
    ['svg with xml prolog', '\uFEFF<?xml version="1.0"?>\n<!-- drawn -->\n<svg viewBox="0 0 1 1"></svg>'],
  ])('refuses %s: not a raster format', (_what, text) => {
    const e = refusal(() => decodeImage(new TextEncoder().encode(text), 'logo.svg'));
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toContain('SVG');
    expect(e.message).toMatch(/not a raster/);
    expect(e.message).toContain('PNG, JPEG or WebP');
  });

  it.each([
    ['GIF', [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0]],
    ['BMP', [0x42, 0x4d, 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0]],
    ['TIFF', [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]],
    ['TIFF', [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]],
  ])('refuses %s by name, saying what is supported', (what, bytes) => {
    const e = refusal(() => decodeImage(new Uint8Array(bytes), `x.${what.toLowerCase()}`));
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toContain(`a ${what} image`);
    expect(e.message).toContain('Supported formats: PNG, JPEG or WebP');
  });

  it('refuses a truncated PNG, wherever it is cut', () => {
    const full = sample('chelsea.png');
    for (const cut of [4, 20, 40, 100, Math.floor(full.length / 2), full.length - 13, full.length - 1]) {
      const e = refusal(() => decodeImage(full.subarray(0, cut), 'cut.png'));
      expect(e.code, `cut at ${cut}`).toBe('BAD_IMAGE');
      expect(e.message).toContain('"cut.png"');
      if (cut >= 8) expect(e.message).toMatch(/truncated/);
    }
  });

  it('refuses a PNG with corrupt image data', () => {
    const full = sample('chelsea.png');
    // Keep the chunk structure, break the compressed IDAT payload and fix its CRC. The first
    // deflate block header says BFINAL=1, BTYPE=11, a reserved block type. With intact CRCs,
    // pngjs alone returned an all-black image for this: decodeImage inflates strictly first.
    const bytes = full.slice();
    const dv = new DataView(bytes.buffer);
    let pos = 8;
    for (;;) {
      const len = dv.getUint32(pos);
      const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
      if (type === 'IDAT') {
        for (let i = pos + 8 + 2; i < pos + 8 + len; i++) bytes[i] ^= 0x5a;
        bytes[pos + 8 + 2] = 0x07;
        dv.setUint32(pos + 8 + len, crc32(bytes.subarray(pos + 4, pos + 8 + len)));
        break;
      }
      pos += 12 + len;
    }
    const e = refusal(() => decodeImage(bytes, 'scrambled.png'));
    expect(e.code).toBe('BAD_IMAGE');
    expect(e.message).toContain('image data is corrupt (invalid block type)');
  });

  it('refuses a PNG whose image data inflates to less than its rows need', () => {
    const rows = deflateSync(new Uint8Array(4 * (1 + 3 * 4))); // 4 rows of a 4×4 RGB image, declared 4×8
    const bytes = concat(PNG_SIG, ihdr(4, 8), pngChunk('IDAT', rows), pngChunk('IEND', new Uint8Array(0)));
    const e = refusal(() => decodeImage(bytes, 'short.png'));
    expect(e.message).toContain('image data is truncated (52 of 104 bytes)');
  });

  it('refuses a PNG declaring 30000×30000 without decoding (or allocating) its pixels', () => {
    const bytes = concat(PNG_SIG, ihdr(30000, 30000), pngChunk('IDAT', deflateSync(new Uint8Array(64))), pngChunk('IEND', new Uint8Array(0)));
    const read = vi.spyOn(PNG.sync, 'read');
    const before = process.memoryUsage().arrayBuffers;
    const e = refusal(() => decodeImage(bytes, 'huge.png'));
    expect(read).not.toHaveBeenCalled();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.message).toContain('"huge.png"');
    expect(e.message).toContain('30000×30000');
    expect(e.message).toContain(String(MAX_IMAGE_SIDE));
    expect(e.details).toMatchObject({ width: 30000, height: 30000, maxSide: MAX_IMAGE_SIDE, maxPixels: MAX_IMAGE_PIXELS });
    expect(refusal(() => readImageHeader(bytes, 'huge.png')).code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses by total pixels even when each side is allowed', () => {
    const bytes = concat(PNG_SIG, ihdr(16000, 16000), pngChunk('IDAT', deflateSync(new Uint8Array(64))), pngChunk('IEND', new Uint8Array(0)));
    expect(refusal(() => decodeImage(bytes)).code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses a PNG declaring 0×5', () => {
    const bytes = concat(PNG_SIG, ihdr(0, 5), pngChunk('IDAT', deflateSync(new Uint8Array(4))), pngChunk('IEND', new Uint8Array(0)));
    const e = refusal(() => decodeImage(bytes, 'zero.png'));
    expect(e.code).toBe('BAD_IMAGE');
    expect(e.message).toContain('0×5');
  });

  it('refuses a PNG with an invalid bit depth for its colour type', () => {
    const bytes = concat(PNG_SIG, ihdr(2, 2, 16, 3), pngChunk('IEND', new Uint8Array(0)));
    expect(refusal(() => decodeImage(bytes)).code).toBe('BAD_IMAGE');
  });

  it('refuses a JPEG whose frame header declares 20000×20000, before decoding', () => {
    const bytes = sample('rocket.jpg').slice();
    // find SOF0 and patch its height and width
    let i = 2;
    while (!(bytes[i] === 0xff && bytes[i + 1] === 0xc0)) i++;
    bytes[i + 5] = 20000 >> 8;
    bytes[i + 6] = 20000 & 0xff;
    bytes[i + 7] = 20000 >> 8;
    bytes[i + 8] = 20000 & 0xff;
    const e = refusal(() => decodeImage(bytes, 'big.jpg'));
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.message).toContain('20000×20000');
  });

  it('refuses a truncated JPEG', () => {
    const full = sample('rocket.jpg');
    for (const cut of [3, 100, Math.floor(full.length / 2), full.length - 2]) {
      const e = refusal(() => decodeImage(full.subarray(0, cut), 'cut.jpg'));
      expect(e.code, `cut at ${cut}`).toBe('BAD_IMAGE');
      expect(e.message).toMatch(/truncated/);
    }
  });

  it('refuses an arithmetic-coded JPEG by name', () => {
    const bytes = sample('rocket.jpg').slice();
    let i = 2;
    while (!(bytes[i] === 0xff && bytes[i + 1] === 0xc0)) i++;
    bytes[i + 1] = 0xc9;
    const e = refusal(() => decodeImage(bytes, 'arith.jpg'));
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toContain('arithmetic-coded');
  });

  it('refuses a truncated WebP, and a WebP declaring a huge canvas', () => {
    const webp = new Uint8Array(readFileSync(path.join(DATA, 'decode', 'lossless.webp')));
    expect(refusal(() => decodeImage(webp.subarray(0, webp.length - 10), 'cut.webp')).code).toBe('BAD_IMAGE');
    expect(refusal(() => decodeImage(webp.subarray(0, 16), 'cut.webp')).code).toBe('BAD_IMAGE');
    // intact header, scrambled payload
    for (const f of ['lossless.webp', 'lossy.webp']) {
      const junk = new Uint8Array(readFileSync(path.join(DATA, 'decode', f)));
      for (let i = 40; i < junk.length; i++) junk[i] ^= 0xa5;
      const e = refusal(() => decodeImage(junk, 'junk.webp'));
      expect(e.code).toBe('BAD_IMAGE');
      expect(e.message).toContain('"junk.webp"');
    }
    // VP8L: 14-bit width-1 and height-1 right after the 0x2f signature byte at offset 20.
    const big = webp.slice();
    const dv = new DataView(big.buffer);
    const bits = dv.getUint32(21, true);
    dv.setUint32(21, (bits & ~0x0fffffff) | 16383 | (16383 << 14), true);
    const e = refusal(() => decodeImage(big, 'big.webp'));
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.message).toContain('16384×16384');
  });

  it('refuses an animated WebP by name', () => {
    // RIFF/WEBP with a VP8X chunk whose animation flag is set.
    const vp8x = new Uint8Array(10);
    vp8x[0] = 0x02;
    vp8x[4] = 9; // width 10
    vp8x[7] = 9; // height 10
    const chunk = concat(new TextEncoder().encode('VP8X'), new Uint8Array([10, 0, 0, 0]), vp8x);
    const head = concat(new TextEncoder().encode('RIFF'), new Uint8Array([4 + chunk.length, 0, 0, 0]), new TextEncoder().encode('WEBP'));
    const e = refusal(() => decodeImage(concat(head, chunk, new Uint8Array(12)), 'anim.webp'));
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toContain('animated WebP');
  });
});

describe('readImageHeader', () => {
  it('reads sizes without decoding', () => {
    expect(readImageHeader(sample('coffee.png'))).toEqual({ format: 'png', width: 600, height: 400 });
    expect(readImageHeader(sample('rocket.jpg'))).toEqual({ format: 'jpeg', width: 640, height: 427 });
    expect(readImageHeader(new Uint8Array(readFileSync(path.join(DATA, 'decode', 'lossy.webp'))))).toEqual({
      format: 'webp',
      width: 48,
      height: 32,
    });
    expect(readImageHeader(new Uint8Array(readFileSync(path.join(DATA, 'decode', 'alpha.webp'))))).toEqual({
      format: 'webp',
      width: 48,
      height: 32,
    });
  });
});
