/**
 * The current view as one PNG: a title line, then per pane the input and
 * every level (registered, overlaid as on screen) with its colour bar and
 * end values — drawn from the data, not screenshotted, so it is exact.
 */
import type { GeometryResult } from '../../src-shared/contract';
import type { ShownResult } from '../store/shown';
import { colormapLut, paintRgba, type ColormapName } from '../../src-shared/maps/colormaps';
import { mapPlacement } from '../../src-shared/maps/alignment';
import type { LevelDisplay } from '../view/levelDisplays';
import { geometryOf } from '../view/geometryOf';
import { formatValue, rgbToRgba } from '../view/paint';
import type { Upsampling } from '../../src-shared/export/session';

export interface PngPane {
  title: string;
  result: ShownResult;
  geometry?: GeometryResult;
  displays: LevelDisplay[];
}

export interface PngView {
  colormap: ColormapName;
  overlay: boolean;
  opacity: number;
  upsampling: Upsampling;
  title: string;
}

const TILE = 224;
const GAP = 16;
const BAR = 12;
const LABEL = 16;
const CELL_H = LABEL + TILE + 6 + BAR + LABEL + 4;

function canvasOf(width: number, height: number, rgba: Uint8ClampedArray<ArrayBuffer>): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  c.getContext('2d')?.putImageData(new ImageData(rgba, width, height), 0, 0);
  return c;
}

function drawColorBar(ctx: CanvasRenderingContext2D, x: number, y: number, colormap: ColormapName, min: number, max: number): void {
  const lut = colormapLut(colormap);
  for (let i = 0; i < TILE; i++) {
    const k = Math.round((i / (TILE - 1)) * 255);
    ctx.fillStyle = `rgb(${lut[3 * k]},${lut[3 * k + 1]},${lut[3 * k + 2]})`;
    ctx.fillRect(x + i, y, 1, BAR);
  }
  ctx.fillStyle = '#1d232b';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(formatValue(min), x, y + BAR + 2);
  ctx.textAlign = 'right';
  ctx.fillText(formatValue(max), x + TILE, y + BAR + 2);
  ctx.textAlign = 'left';
}

export function composeViewPng(panes: PngPane[], view: PngView): HTMLCanvasElement {
  const columns = Math.max(...panes.map((p) => p.displays.length + 1));
  const width = GAP + columns * (TILE + GAP);
  const height = 28 + panes.length * (CELL_H + 24 + GAP);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '12px sans-serif';
  ctx.fillStyle = '#1d232b';
  ctx.textBaseline = 'top';
  ctx.fillText(view.title, GAP, 8);
  let y = 28;
  for (const pane of panes) {
    ctx.fillStyle = '#1d232b';
    ctx.fillText(pane.title, GAP, y + 4);
    y += 24;
    const { input } = pane.result;
    const inputCanvas = canvasOf(input.width, input.height, rgbToRgba(input));
    const scale = TILE / Math.max(input.width, input.height);
    ctx.fillText(`input ${input.height}×${input.width}`, GAP, y);
    ctx.drawImage(inputCanvas, GAP, y + LABEL, input.width * scale, input.height * scale);
    pane.displays.forEach((d, k) => {
      const x0 = GAP + (k + 1) * (TILE + GAP);
      const [, h, w] = d.shape;
      const level = pane.result.levels.find((l) => l.index === d.index);
      ctx.fillStyle = '#1d232b';
      ctx.fillText(`level ${d.index} · ${level?.module ?? ''} · ${h}×${w}`, x0, y);
      const top = y + LABEL;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, top, input.width * scale, input.height * scale);
      ctx.clip();
      ctx.fillStyle = '#eef1f8';
      ctx.fillRect(x0, top, input.width * scale, input.height * scale);
      if (view.overlay) ctx.drawImage(inputCanvas, x0, top, input.width * scale, input.height * scale);
      const rgba = d.kind === 'scalar' ? (paintRgba(d.values, d.range.min, d.range.max, view.colormap) as Uint8ClampedArray<ArrayBuffer>) : new Uint8ClampedArray(d.rgba);
      const place = mapPlacement(geometryOf(pane.result, pane.geometry, d.index), h, w);
      ctx.imageSmoothingEnabled = view.upsampling === 'smooth';
      ctx.globalAlpha = view.overlay ? view.opacity : 1;
      ctx.drawImage(canvasOf(w, h, rgba), x0 + place.x * scale, top + place.y * scale, place.width * scale, place.height * scale);
      ctx.restore();
      const barY = top + TILE + 6;
      if (d.kind === 'scalar') drawColorBar(ctx, x0, barY, view.colormap, d.range.min, d.range.max);
      else {
        ctx.fillStyle = '#1d232b';
        ctx.fillText(`RGB = PC1..3 (${d.explained.map((e) => (e * 100).toFixed(1) + '%').join(', ')})`, x0, barY);
      }
    });
    y += CELL_H + GAP;
  }
  return canvas;
}
