/**
 * timm's evaluation transform (timm/data/transforms_factory.py
 * `transforms_imagenet_eval`) on an 8-bit RGB image, reproducing what
 * torchvision does to a PIL image:
 *
 *   Resize / ResizeKeepRatio  →  CenterCrop / CenterCropOrPad  →  ToTensor  →  Normalize
 *
 * The resize is PIL's (Pillow 9.x libImaging/Resample.c): separable convolution
 * with the filter support widened by the scale when downscaling, coefficients
 * normalised then turned to 22-bit fixed point, the horizontal pass first with
 * an 8-bit rounded and clipped intermediate, then the vertical pass. NEAREST is
 * PIL's affine scaling (Geometry.c ImagingScaleAffine). ToTensor and Normalize
 * are done in float32 in torch's order, so the tensor matches torchvision's bit
 * for bit when the uint8 image does.
 */
import { EngineError } from '../errors';
import { MAX_IMAGE_PIXELS, type RgbImage } from './decode';

export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'box' | 'hamming' | 'lanczos';
export type CropMode = 'center' | 'squash' | 'border';

export const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic', 'box', 'hamming', 'lanczos'];
export const CROP_MODES: readonly CropMode[] = ['center', 'squash', 'border'];
/** timm's DEFAULT_CROP_PCT, used when crop_pct is missing (or 0, as `crop_pct or DEFAULT_CROP_PCT`). */
export const DEFAULT_CROP_PCT = 0.875;
/** Largest output side the transform accepts (a user-chosen input size above this is refused). */
export const MAX_INPUT_SIDE = 4096;

export interface EvalTransformOptions {
  /** The model's [C, H, W], e.g. [3, 224, 224] (timm's pretrained_cfg input_size). */
  inputSize: readonly number[];
  /** timm's crop_pct; null/undefined/0 means 0.875. */
  cropPct?: number | null;
  /** timm's crop_mode; null/undefined means 'center'. */
  cropMode?: CropMode | string | null;
  /** timm's interpolation; undefined means 'bilinear' (timm's default). */
  interpolation?: Interpolation | string | null;
  mean: readonly number[];
  std: readonly number[];
  /** A user-chosen input size (e.g. 320, or [H, W]); replaces inputSize's H and W. */
  imgSize?: number | readonly [number, number] | null;
}

export interface Tensor4 {
  shape: [1, 3, number, number];
  /** NCHW, float32, normalised. */
  data: Float32Array;
}

export interface EvalTransformPlan {
  /** Output [H, W]. */
  size: [number, number];
  /** timm's scale_size [H, W] = floor(size / crop_pct). */
  scaleSize: [number, number];
  cropPct: number;
  cropMode: CropMode;
  /** The image size after the resize step [H, W] (equal to the input when no resize was needed). */
  resizedTo: [number, number];
  /** The filter the resize step used (the 'center' mode with a non-square size always uses bilinear, as timm does). */
  resizeInterpolation: Interpolation;
  /** Padding added before the crop, [left, top, right, bottom], and its fill colour. */
  pad: [number, number, number, number];
  padFill: [number, number, number];
  /** Top-left corner of the crop in the (padded) resized image. */
  cropTop: number;
  cropLeft: number;
}

export interface EvalTransformResult {
  tensor: Tensor4;
  /** The resized and cropped uint8 image the tensor came from (for display). */
  cropped: RgbImage;
  plan: EvalTransformPlan;
}

// ---------------------------------------------------------------- PIL filters

interface Filter {
  fn: (x: number) => number;
  support: number;
}

function boxFilter(x: number): number {
  return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
}

function bilinearFilter(x: number): number {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

const F054 = Math.fround(0.54);
const F046 = Math.fround(0.46);

function hammingFilter(x: number): number {
  if (x < 0.0) x = -x;
  if (x === 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * Math.PI;
  return (Math.sin(x) / x) * (F054 + F046 * Math.cos(x));
}

function bicubicFilter(x: number): number {
  // a = -0.5, as PIL.
  const a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

function sincFilter(x: number): number {
  if (x === 0.0) return 1.0;
  x = x * Math.PI;
  return Math.sin(x) / x;
}

function lanczosFilter(x: number): number {
  return -3.0 <= x && x < 3.0 ? sincFilter(x) * sincFilter(x / 3) : 0.0;
}

const FILTERS: Record<Exclude<Interpolation, 'nearest'>, Filter> = {
  box: { fn: boxFilter, support: 0.5 },
  bilinear: { fn: bilinearFilter, support: 1.0 },
  hamming: { fn: hammingFilter, support: 1.0 },
  bicubic: { fn: bicubicFilter, support: 2.0 },
  lanczos: { fn: lanczosFilter, support: 3.0 },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coeffs {
  ksize: number;
  /** Per output index: first input index, count. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output index. */
  kk: Int32Array;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc, for the box [in0, in1) of an axis of inSize pixels. */
function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number, filter: Filter): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let ww = 0.0;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0.0 ? k[x] / ww : k[x];
      kk[base + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over rows [y0, y0 + rows) of src, to width outW. */
function resampleHorizontal(src: RgbImage, y0: number, rows: number, outW: number, c: Coeffs): RgbImage {
  const { ksize, bounds, kk } = c;
  const inW = src.width;
  const s = src.data;
  const out = new Uint8Array(outW * rows * 3);
  for (let yy = 0; yy < rows; yy++) {
    const rowBase = (yy + y0) * inW * 3;
    const outBase = yy * outW * 3;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const kb = xx * ksize;
      let ss0 = HALF;
      let ss1 = HALF;
      let ss2 = HALF;
      let p = rowBase + xmin * 3;
      for (let x = 0; x < xmax; x++, p += 3) {
        const w = kk[kb + x];
        ss0 += s[p] * w;
        ss1 += s[p + 1] * w;
        ss2 += s[p + 2] * w;
      }
      const o = outBase + xx * 3;
      out[o] = clip8(ss0);
      out[o + 1] = clip8(ss1);
      out[o + 2] = clip8(ss2);
    }
  }
  return { width: outW, height: rows, data: out };
}

/** Vertical pass: output row yy reads src rows bounds[yy*2] - shift, ... */
function resampleVertical(src: RgbImage, outH: number, c: Coeffs, shift: number): RgbImage {
  const { ksize, bounds, kk } = c;
  const w = src.width;
  const stride = w * 3;
  const s = src.data;
  const out = new Uint8Array(w * outH * 3);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2] - shift;
    const ymax = bounds[yy * 2 + 1];
    const kb = yy * ksize;
    const outBase = yy * stride;
    for (let xx = 0; xx < w; xx++) {
      let ss0 = HALF;
      let ss1 = HALF;
      let ss2 = HALF;
      let p = ymin * stride + xx * 3;
      for (let y = 0; y < ymax; y++, p += stride) {
        const k = kk[kb + y];
        ss0 += s[p] * k;
        ss1 += s[p + 1] * k;
        ss2 += s[p + 2] * k;
      }
      const o = outBase + xx * 3;
      out[o] = clip8(ss0);
      out[o + 1] = clip8(ss1);
      out[o + 2] = clip8(ss2);
    }
  }
  return { width: w, height: outH, data: out };
}

/** PIL's NEAREST resize: ImagingScaleAffine with a = [in/out, 0, 0, 0, in/out, 0]. */
function resizeNearest(img: RgbImage, outW: number, outH: number): RgbImage {
  const a0 = img.width / outW;
  const a4 = img.height / outH;
  const xin = new Int32Array(outW).fill(-1);
  let xo = 0 + a0 * 0.5;
  for (let x = 0; x < outW; x++) {
    const v = xo < 0.0 ? -1 : Math.trunc(xo);
    if (v >= 0 && v < img.width) xin[x] = v;
    xo += a0;
  }
  const out = new Uint8Array(outW * outH * 3); // PIL fills with 0 where nothing maps
  const s = img.data;
  let yo = 0 + a4 * 0.5;
  for (let y = 0; y < outH; y++) {
    const yi = yo < 0.0 ? -1 : Math.trunc(yo);
    if (yi >= 0 && yi < img.height) {
      const rowBase = yi * img.width * 3;
      for (let x = 0; x < outW; x++) {
        const sx = xin[x];
        if (sx < 0) continue;
        const p = rowBase + sx * 3;
        const o = (y * outW + x) * 3;
        out[o] = s[p];
        out[o + 1] = s[p + 1];
        out[o + 2] = s[p + 2];
      }
    }
    yo += a4;
  }
  return { width: outW, height: outH, data: out };
}

/**
 * PIL's Image.resize((width, height), filter) on an RGB image, box = whole
 * image, no reducing_gap (which is how torchvision calls it).
 */
export function resizeRgb(img: RgbImage, width: number, height: number, interpolation: Interpolation): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new EngineError('BAD_TRANSFORM', `Cannot resize to ${width}×${height}: width and height must be whole numbers ≥ 1.`, {
      width,
      height,
    });
  }
  if (width === img.width && height === img.height) {
    return { width, height, data: img.data.slice() };
  }
  if (interpolation === 'nearest') return resizeNearest(img, width, height);
  const filter = FILTERS[interpolation];
  const needH = width !== img.width;
  const needV = height !== img.height;
  const horiz = precomputeCoeffs(img.width, 0, img.width, width, filter);
  const vert = precomputeCoeffs(img.height, 0, img.height, height, filter);
  let cur = img;
  let shift = 0;
  if (needH) {
    // Only the rows the vertical pass will read, as PIL does.
    const first = vert.bounds[0];
    const last = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
    cur = resampleHorizontal(img, first, last - first, width, horiz);
    shift = first;
  }
  if (needV) cur = resampleVertical(cur, height, vert, shift);
  return cur;
}

// ---------------------------------------------------------------- crop / pad

/** Python's round() on a float: half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Pads (left, top, right, bottom) with a constant colour, like ImageOps.expand. */
function padRgb(img: RgbImage, pad: [number, number, number, number], fill: [number, number, number]): RgbImage {
  const [l, t, r, b] = pad;
  const w = img.width + l + r;
  const h = img.height + t + b;
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    out[i * 3] = fill[0];
    out[i * 3 + 1] = fill[1];
    out[i * 3 + 2] = fill[2];
  }
  const rowBytes = img.width * 3;
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y + t) * w + l) * 3);
  }
  return { width: w, height: h, data: out };
}

function cropRgb(img: RgbImage, top: number, left: number, h: number, w: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y + top) * img.width + left) * 3;
    out.set(img.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { width: w, height: h, data: out };
}

interface CropResult {
  image: RgbImage;
  pad: [number, number, number, number];
  top: number;
  left: number;
}

/**
 * torchvision's center_crop (fill 0) and timm's center_crop_or_pad (any fill):
 * pad to at least the crop size, then crop at int(round((size - crop) / 2)).
 */
export function centerCropOrPad(img: RgbImage, cropH: number, cropW: number, fill: [number, number, number] = [0, 0, 0]): RgbImage {
  return centerCropDetailed(img, cropH, cropW, fill).image;
}

function centerCropDetailed(img: RgbImage, cropH: number, cropW: number, fill: [number, number, number]): CropResult {
  let cur = img;
  let pad: [number, number, number, number] = [0, 0, 0, 0];
  if (cropW > cur.width || cropH > cur.height) {
    pad = [
      cropW > cur.width ? Math.floor((cropW - cur.width) / 2) : 0,
      cropH > cur.height ? Math.floor((cropH - cur.height) / 2) : 0,
      cropW > cur.width ? Math.floor((cropW - cur.width + 1) / 2) : 0,
      cropH > cur.height ? Math.floor((cropH - cur.height + 1) / 2) : 0,
    ];
    cur = padRgb(cur, pad, fill);
    if (cur.width === cropW && cur.height === cropH) return { image: cur, pad, top: 0, left: 0 };
  }
  const top = roundHalfEven((cur.height - cropH) / 2.0);
  const left = roundHalfEven((cur.width - cropW) / 2.0);
  return { image: cropRgb(cur, top, left, cropH, cropW), pad, top, left };
}

// ---------------------------------------------------------------- tensor

/** torchvision ToTensor (uint8 / 255 in float32) then Normalize ((x - mean) / std in float32), NCHW. */
export function toNormalizedTensor(img: RgbImage, mean: readonly number[], std: readonly number[]): Tensor4 {
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const x = Math.fround(v / 255);
      lut[v] = Math.fround(Math.fround(x - m) / s);
    }
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = lut[data[i * 3 + c]];
  }
  return { shape: [1, 3, h, w], data: out };
}

// ---------------------------------------------------------------- the eval transform

function badOption(message: string, details: Record<string, unknown>): EngineError {
  return new EngineError('BAD_TRANSFORM', message, details);
}

function checkSide(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_INPUT_SIDE) {
    throw badOption(`The ${what} ${JSON.stringify(v)} is not allowed: use a whole number from 1 to ${MAX_INPUT_SIDE}.`, { [what]: v });
  }
  return v;
}

function resolveInterpolation(v: string | null | undefined): Interpolation {
  const s = v ?? 'bilinear';
  if (!(INTERPOLATIONS as readonly string[]).includes(s)) {
    throw badOption(`The interpolation ${JSON.stringify(v)} is not supported; use one of ${INTERPOLATIONS.join(', ')}.`, {
      interpolation: v,
    });
  }
  return s as Interpolation;
}

/** torchvision's _compute_resized_output_size for an int size: the shorter side becomes `size`. Returns [h, w]. */
function shorterSideSize(h: number, w: number, size: number): [number, number] {
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newShort = size;
  const newLong = Math.trunc((size * long) / short);
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** timm's ResizeKeepRatio.get_params (no randomness). Returns [h, w]. */
function keepRatioSize(h: number, w: number, target: [number, number], longest: number): [number, number] {
  const ratioH = h / target[0];
  const ratioW = w / target[1];
  const ratio = Math.max(ratioH, ratioW) * longest + Math.min(ratioH, ratioW) * (1.0 - longest);
  return [roundHalfEven((h * 1.0) / ratio), roundHalfEven((w * 1.0) / ratio)];
}

/**
 * timm's eval transform on an RGB image (what `transforms_imagenet_eval` with
 * the model's pretrained config does to a PIL image), giving the NCHW tensor
 * and the cropped uint8 image it came from.
 */
export function evalTransform(img: RgbImage, opts: EvalTransformOptions): EvalTransformResult {
  if (!(img.width >= 1 && img.height >= 1 && img.data.length === img.width * img.height * 3)) {
    throw badOption(`The image to transform is malformed (${img.width}×${img.height}, ${img.data.length} bytes).`, {
      width: img.width,
      height: img.height,
    });
  }
  let size: [number, number];
  if (opts.imgSize !== undefined && opts.imgSize !== null) {
    size = typeof opts.imgSize === 'number'
      ? [checkSide('input size', opts.imgSize), checkSide('input size', opts.imgSize)]
      : [checkSide('input height', opts.imgSize[0]), checkSide('input width', opts.imgSize[1])];
  } else {
    const s = opts.inputSize;
    if (!Array.isArray(s) || s.length !== 3 || s[0] !== 3) {
      throw badOption(`The input size ${JSON.stringify(s)} is not allowed: use [3, height, width].`, { inputSize: s });
    }
    size = [checkSide('input height', s[1]), checkSide('input width', s[2])];
  }
  const cropPctIn = opts.cropPct;
  if (cropPctIn !== undefined && cropPctIn !== null && !(typeof cropPctIn === 'number' && Number.isFinite(cropPctIn) && cropPctIn >= 0)) {
    throw badOption(`The crop_pct ${JSON.stringify(cropPctIn)} is not allowed: use a number above 0 (e.g. 0.875 or 1.0).`, {
      cropPct: cropPctIn,
    });
  }
  const cropPct = cropPctIn || DEFAULT_CROP_PCT;
  const cropMode = (opts.cropMode ?? 'center') as CropMode;
  if (!CROP_MODES.includes(cropMode)) {
    throw badOption(`The crop mode ${JSON.stringify(opts.cropMode)} is not supported; use one of ${CROP_MODES.join(', ')}.`, {
      cropMode: opts.cropMode,
    });
  }
  const interpolation = resolveInterpolation(opts.interpolation);
  for (const [what, v] of [['mean', opts.mean], ['std', opts.std]] as const) {
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw badOption(`The ${what} ${JSON.stringify(v)} is not allowed: use three numbers, one per RGB channel.`, { [what]: v });
    }
  }
  if (opts.std.some((x) => x === 0)) {
    throw badOption(`The std ${JSON.stringify(opts.std)} has a zero; each channel's std must be non-zero.`, { std: opts.std });
  }

  const scaleSize: [number, number] = [Math.floor(size[0] / cropPct), Math.floor(size[1] / cropPct)];
  let resizeTo: [number, number];
  let resizeInterp = interpolation;
  let fill: [number, number, number] = [0, 0, 0];
  if (cropMode === 'squash') {
    resizeTo = scaleSize;
  } else if (cropMode === 'border') {
    resizeTo = keepRatioSize(img.height, img.width, scaleSize, 1.0);
    fill = [roundHalfEven(255 * opts.mean[0]), roundHalfEven(255 * opts.mean[1]), roundHalfEven(255 * opts.mean[2])];
  } else if (scaleSize[0] === scaleSize[1]) {
    resizeTo = shorterSideSize(img.height, img.width, scaleSize[0]);
  } else {
    // timm builds ResizeKeepRatio(scale_size) here without passing the interpolation: it is bilinear.
    resizeTo = keepRatioSize(img.height, img.width, scaleSize, 0.0);
    resizeInterp = 'bilinear';
  }
  if (!(resizeTo[0] >= 1 && resizeTo[1] >= 1) || resizeTo[0] * resizeTo[1] > MAX_IMAGE_PIXELS) {
    throw badOption(
      `Resizing a ${img.width}×${img.height} image for input size ${size[0]}×${size[1]} with crop_pct ${cropPct} ` +
        `would give ${resizeTo[1]}×${resizeTo[0]} pixels; use a larger crop_pct or a smaller input size.`,
      { resizeTo, cropPct, size },
    );
  }
  const resized = resizeTo[0] === img.height && resizeTo[1] === img.width
    ? img
    : resizeRgb(img, resizeTo[1], resizeTo[0], resizeInterp);
  const crop = centerCropDetailed(resized, size[0], size[1], fill);
  const cropped = crop.image;
  return {
    tensor: toNormalizedTensor(cropped, opts.mean, opts.std),
    cropped,
    plan: {
      size,
      scaleSize,
      cropPct,
      cropMode,
      resizedTo: [resized.height, resized.width],
      resizeInterpolation: resizeInterp,
      pad: crop.pad,
      padFill: fill,
      cropTop: crop.top,
      cropLeft: crop.left,
    },
  };
}
