import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeImage, type RgbImage } from './decode';
import { refusal } from '../../testing/refusal';
import {
  centerCropOrPad,
  evalTransform,
  resizeRgb,
  roundHalfEven,
  toNormalizedTensor,
  type EvalTransformOptions,
  type Interpolation,
} from './transform';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLES = path.join(ROOT, 'resources/samples');
const DATA = path.join(ROOT, 'test-data/image');

interface Case {
  image: string;
  size: [number, number];
  cropPct: number;
  cropMode: string;
  interpolation: Interpolation;
  mean: number[];
  std: number[];
  shape: number[];
  croppedSha256: string;
  croppedRowSums: number[];
  croppedChannelSums: number[];
  tensorSha256: string;
  tensorMean: number;
  tensorStd: number;
  samples: Array<[number, number]>;
}
const refs = JSON.parse(readFileSync(path.join(DATA, 'transform-refs.json'), 'utf8')) as {
  cases: Case[];
  onePixel: {
    pixel: number[];
    size: [number, number];
    cropPct: number;
    interpolation: Interpolation;
    croppedSha256: string;
    croppedFirst: number[];
    croppedCenter: number[];
    tensorSha256: string;
    tensorFirst: number[];
  };
};
const tiny = JSON.parse(readFileSync(path.join(DATA, 'tiny-resize.json'), 'utf8')) as {
  input: { width: number; height: number; data: number[] };
  single: { width: number; height: number; data: number[] };
  two: { width: number; height: number; data: number[] };
  cases: Array<{ source?: string; width: number; height: number; interpolation: Interpolation; data: number[] }>;
};

const sha = (b: Uint8Array | Float32Array): string =>
  createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

const decoded = new Map<string, RgbImage>();
function sample(name: string): RgbImage {
  if (!decoded.has(name)) decoded.set(name, decodeImage(new Uint8Array(readFileSync(path.join(SAMPLES, name))), name));
  return decoded.get(name)!;
}

function optsOf(c: Case): EvalTransformOptions {
  return {
    inputSize: [3, c.size[0], c.size[1]],
    cropPct: c.cropPct,
    cropMode: c.cropMode,
    interpolation: c.interpolation,
    mean: c.mean,
    std: c.std,
  };
}

describe('evalTransform matches timm + torchvision + PIL 9.4', () => {
  it.each(refs.cases.map((c) => [`${c.image} ${c.size.join('x')} crop_pct ${c.cropPct} ${c.cropMode} ${c.interpolation}`, c] as const))(
    '%s',
    (_label, c) => {
      const r = evalTransform(sample(c.image), optsOf(c));
      const [H, W] = c.size;
      expect(r.tensor.shape).toEqual(c.shape);
      expect(r.tensor.data.length).toBe(3 * H * W);
      expect([r.cropped.width, r.cropped.height]).toEqual([W, H]);
      // uint8 image: per-row sums first (they say where a difference is), then the exact bytes.
      const rows: number[] = [];
      for (let y = 0; y < H; y++) {
        let s = 0;
        for (let i = y * W * 3; i < (y + 1) * W * 3; i++) s += r.cropped.data[i];
        rows.push(s);
      }
      expect(rows).toEqual(c.croppedRowSums);
      expect(sha(r.cropped.data)).toBe(c.croppedSha256);
      // tensor: sampled values within 1e-6, summary statistics, then bit-exact float32.
      for (const [i, v] of c.samples) expect(Math.abs(r.tensor.data[i] - v)).toBeLessThanOrEqual(1e-6);
      let sum = 0;
      for (const v of r.tensor.data) sum += v;
      const mean = sum / r.tensor.data.length;
      let sq = 0;
      for (const v of r.tensor.data) sq += (v - mean) ** 2;
      expect(mean).toBeCloseTo(c.tensorMean, 9);
      expect(Math.sqrt(sq / r.tensor.data.length)).toBeCloseTo(c.tensorStd, 9);
      expect(sha(r.tensor.data)).toBe(c.tensorSha256);
    },
  );

  it('a user-chosen input size replaces the model size', () => {
    const c = refs.cases.find((x) => x.image === 'rocket.jpg' && x.size[0] === 320)!;
    const r = evalTransform(sample(c.image), { ...optsOf(c), inputSize: [3, 224, 224], imgSize: 320 });
    expect(r.tensor.shape).toEqual([1, 3, 320, 320]);
    expect(sha(r.tensor.data)).toBe(c.tensorSha256);
    const r2 = evalTransform(sample(c.image), { ...optsOf(c), inputSize: [3, 224, 224], imgSize: [320, 320] });
    expect(sha(r2.tensor.data)).toBe(c.tensorSha256);
  });

  it('center mode with a non-square size resizes with bilinear whatever the config says (as timm does)', () => {
    const c = refs.cases.find((x) => x.cropMode === 'center' && x.size[0] !== x.size[1])!;
    expect(c.interpolation).toBe('bicubic');
    const r = evalTransform(sample(c.image), optsOf(c));
    expect(r.plan.resizeInterpolation).toBe('bilinear');
    const bilinear = evalTransform(sample(c.image), { ...optsOf(c), interpolation: 'bilinear' });
    expect(sha(bilinear.tensor.data)).toBe(c.tensorSha256);
  });

  it('reports its plan', () => {
    const r = evalTransform(sample('chelsea.png'), {
      inputSize: [3, 224, 224],
      cropPct: 0.875,
      interpolation: 'bicubic',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    // 451×300 → shorter side 256: 256 × int(256 * 451 / 300) = 384; crop offsets round((256-224)/2), round((384-224)/2)
    expect(r.plan).toMatchObject({ size: [224, 224], scaleSize: [256, 256], resizedTo: [256, 384], cropTop: 16, cropLeft: 80 });
  });

  it('uses crop_pct 0.875 and bilinear when the config leaves them out', () => {
    const c = refs.cases.find((x) => x.image === 'chelsea.png' && x.cropPct === 0.875 && x.interpolation === 'bilinear')!;
    const r = evalTransform(sample(c.image), { inputSize: [3, 224, 224], mean: c.mean, std: c.std, cropPct: null });
    expect(sha(r.tensor.data)).toBe(c.tensorSha256);
  });

  it('handles a 1×1 image (upscaled to the crop)', () => {
    const o = refs.onePixel;
    const img = { width: 1, height: 1, data: new Uint8Array(o.pixel) };
    const r = evalTransform(img, {
      inputSize: [3, ...o.size],
      cropPct: o.cropPct,
      interpolation: o.interpolation,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(Array.from(r.cropped.data.subarray(0, 3))).toEqual(o.croppedFirst);
    const c = (112 * 224 + 112) * 3;
    expect(Array.from(r.cropped.data.subarray(c, c + 3))).toEqual(o.croppedCenter);
    expect(sha(r.cropped.data)).toBe(o.croppedSha256);
    expect([r.tensor.data[0], r.tensor.data[224 * 224], r.tensor.data[2 * 224 * 224]]).toEqual(o.tensorFirst.map(Math.fround));
    expect(sha(r.tensor.data)).toBe(o.tensorSha256);
  });
});

describe('resizeRgb equals PIL Image.resize byte for byte', () => {
  const input: RgbImage = { width: tiny.input.width, height: tiny.input.height, data: new Uint8Array(tiny.input.data) };
  const single: RgbImage = { width: 1, height: 1, data: new Uint8Array(tiny.single.data) };
  // 2×2 upscaled with NEAREST to 7 or 15 or 21: PIL's accumulated source position (xo += scale) truncates
  // differently from scale * (x + 0.5) there.
  const two: RgbImage = { width: 2, height: 2, data: new Uint8Array(tiny.two.data) };
  const sources: Record<string, RgbImage> = { single, two };
  it.each(tiny.cases.map((c) => [`${c.source ?? '7x5'} → ${c.width}x${c.height} ${c.interpolation}`, c] as const))('%s', (_l, c) => {
    const out = resizeRgb(c.source ? sources[c.source] : input, c.width, c.height, c.interpolation);
    expect([out.width, out.height]).toEqual([c.width, c.height]);
    expect(Array.from(out.data)).toEqual(c.data);
  });

  it('returns a copy when the size does not change', () => {
    const out = resizeRgb(input, input.width, input.height, 'bicubic');
    expect(out.data).toEqual(input.data);
    expect(out.data).not.toBe(input.data);
  });
});

describe('crop and tensor helpers', () => {
  it('rounds half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });

  it('center-crops at int(round((size - crop) / 2))', () => {
    // width 229 → left round(2.5) = 2; width 231 → left round(3.5) = 4
    const mk = (w: number): RgbImage => {
      const data = new Uint8Array(w * 3);
      for (let x = 0; x < w; x++) data[x * 3] = x;
      return { width: w, height: 1, data };
    };
    expect(centerCropOrPad(mk(229), 1, 224).data[0]).toBe(2);
    expect(centerCropOrPad(mk(231), 1, 224).data[0]).toBe(4);
  });

  it('pads (left/top get the smaller half) when the crop is larger than the image', () => {
    const img: RgbImage = { width: 1, height: 1, data: new Uint8Array([9, 9, 9]) };
    const out = centerCropOrPad(img, 2, 4, [1, 2, 3]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 9, 9, 9, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('normalises in float32 as torch does', () => {
    const img: RgbImage = { width: 2, height: 1, data: new Uint8Array([0, 128, 255, 255, 0, 1]) };
    const t = toNormalizedTensor(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    const f = Math.fround;
    const expected = [
      [0, 0.485, 0.229],
      [255, 0.485, 0.229],
      [128, 0.456, 0.224],
      [0, 0.456, 0.224],
      [255, 0.406, 0.225],
      [1, 0.406, 0.225],
    ].map(([v, m, s]) => f(f(f(v / 255) - f(m)) / f(s)));
    expect(Array.from(t.data)).toEqual(expected);
    expect(t.shape).toEqual([1, 3, 1, 2]);
  });
});

describe('evalTransform refuses bad options', () => {
  const img = { width: 4, height: 4, data: new Uint8Array(48) };
  const base: EvalTransformOptions = { inputSize: [3, 224, 224], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
  it.each([
    ['interpolation', { interpolation: 'cubic' }, /interpolation "cubic".*nearest, bilinear, bicubic/],
    ['crop mode', { cropMode: 'zoom' }, /crop mode "zoom"/],
    ['crop_pct', { cropPct: -1 }, /crop_pct -1/],
    ['input size', { imgSize: 0 }, /input size 0.*1 to 4096/],
    ['input size', { imgSize: 224.5 }, /input size 224.5/],
    ['inputSize', { inputSize: [224, 224] }, /input size \[224,224\]/],
    ['std', { std: [0.5, 0, 0.5] }, /std .* zero/],
    ['mean', { mean: [0.5, 0.5] }, /mean \[0.5,0.5\]/],
    ['crop_pct too small', { cropPct: 0.001 }, /crop_pct 0.001/],
  ])('%s', (_what, patch, msg) => {
    const e = refusal(() => evalTransform(img, { ...base, ...(patch as Partial<EvalTransformOptions>) }));
    expect(e.code).toBe('BAD_TRANSFORM');
    expect(e.message).toMatch(msg);
  });
});
