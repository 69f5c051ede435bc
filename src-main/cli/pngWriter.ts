/** Writes heatmaps as PNG files, painted exactly as the UI paints them. */
import { PNG } from 'pngjs';
import { paintRgba, type ColormapName } from '../../src-shared/maps/colormaps';
import { minMax } from '../../src-shared/maps/reduce';

/** A colour-mapped H×W map, scaled up by an integer factor with nearest neighbour. */
export function heatmapPng(map: Float32Array, h: number, w: number, scale: number, colormap: ColormapName = 'viridis'): Buffer {
  const { min, max } = minMax(map);
  const rgba = paintRgba(map, min, max, colormap);
  const png = new PNG({ width: w * scale, height: h * scale });
  for (let y = 0; y < h * scale; y++) {
    for (let x = 0; x < w * scale; x++) {
      const src = (Math.floor(y / scale) * w + Math.floor(x / scale)) * 4;
      const dst = (y * w * scale + x) * 4;
      png.data[dst] = rgba[src];
      png.data[dst + 1] = rgba[src + 1];
      png.data[dst + 2] = rgba[src + 2];
      png.data[dst + 3] = rgba[src + 3];
    }
  }
  return PNG.sync.write(png);
}
