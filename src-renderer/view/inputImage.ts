/** The input the network saw, as an image URL for overlays (made once per input). */
import type { RgbImageData } from '../../src-shared/contract';
import { rgbToRgba } from './paint';

const urls = new WeakMap<Uint8Array, string>();

export function inputImageUrl(image: RgbImageData): string {
  let url = urls.get(image.rgb);
  if (url === undefined) {
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(new ImageData(rgbToRgba(image), image.width, image.height), 0, 0);
    url = canvas.toDataURL('image/png');
    urls.set(image.rgb, url);
  }
  return url;
}
