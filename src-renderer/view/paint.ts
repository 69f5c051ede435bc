/** Painting typed arrays into canvases: one putImageData, no React work per pixel. */
import { paintRgba, colormapLut, type ColormapName } from '../../src-shared/maps/colormaps';
import type { Range } from '../../src-shared/maps/normalize';
import type { RgbImageData } from '../../src-shared/contract';

const scratch = new Map<number, Uint8ClampedArray<ArrayBuffer>>();

/** A reusable RGBA buffer per size, so repaints allocate nothing. */
function rgbaBuffer(pixels: number): Uint8ClampedArray<ArrayBuffer> {
  let b = scratch.get(pixels);
  if (!b) {
    b = new Uint8ClampedArray(pixels * 4);
    scratch.set(pixels, b);
  }
  return b;
}

export function paintScalar(canvas: HTMLCanvasElement, values: Float32Array, h: number, w: number, range: Range, colormap: ColormapName): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const buf = rgbaBuffer(h * w);
  paintRgba(values, range.min, range.max, colormap, buf);
  ctx.putImageData(new ImageData(buf, w, h), 0, 0);
}

export function paintRgbaPixels(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, h: number, w: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const buf = rgbaBuffer(h * w);
  buf.set(rgba);
  ctx.putImageData(new ImageData(buf, w, h), 0, 0);
}

export function rgbToRgba(image: RgbImageData): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.rgb.length; i += 3, j += 4) {
    rgba[j] = image.rgb[i];
    rgba[j + 1] = image.rgb[i + 1];
    rgba[j + 2] = image.rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return rgba;
}

/** A CSS linear-gradient of a colormap (16 stops), for colour bars. */
export function colormapGradient(name: ColormapName, direction = 'to right'): string {
  const lut = colormapLut(name);
  const stops: string[] = [];
  for (let i = 0; i <= 15; i++) {
    const k = Math.round((i / 15) * 255);
    stops.push(`rgb(${lut[3 * k]}, ${lut[3 * k + 1]}, ${lut[3 * k + 2]}) ${((i / 15) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** Short, stable numbers for labels: 3 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
}

/** A non-negative map as a translucent overlay: colour by value, opacity growing with it (zero is clear). */
export function paintHeatOverlay(canvas: HTMLCanvasElement, values: Float32Array, h: number, w: number, colormap: ColormapName): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const rgba = new Uint8ClampedArray(h * w * 4);
  paintRgba(values, 0, max || 1, colormap, rgba);
  for (let i = 0; i < values.length; i++) rgba[4 * i + 3] = max > 0 ? Math.round(255 * Math.sqrt(values[i] / max)) : 0;
  ctx.putImageData(new ImageData(rgba, w, h), 0, 0);
}
