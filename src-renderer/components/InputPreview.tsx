import { useEffect, useRef } from 'react';
import type { RgbImageData } from '../../src-shared/contract';

/** The resized, cropped image the network saw. */
export function InputPreview({ image }: { image: RgbImageData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const rgba = new Uint8ClampedArray(image.width * image.height * 4);
    for (let i = 0, j = 0; i < image.rgb.length; i += 3, j += 4) {
      rgba[j] = image.rgb[i];
      rgba[j + 1] = image.rgb[i + 1];
      rgba[j + 2] = image.rgb[i + 2];
      rgba[j + 3] = 255;
    }
    ctx.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={canvas} className="input-preview" width={image.width} height={image.height} data-testid="input-preview" />;
}
