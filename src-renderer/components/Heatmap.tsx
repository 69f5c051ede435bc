import { useEffect, useMemo, useRef } from 'react';
import type { ComputedLevel } from '../../src-shared/contract';
import { reduceChannels, minMax } from '../../src-shared/maps/reduce';
import { paintRgba, type ColormapName } from '../../src-shared/maps/colormaps';

interface Props {
  level: ComputedLevel;
  colormap: ColormapName;
}

/** One level's channel-mean map, painted at feature resolution and scaled up by CSS. */
export function Heatmap({ level, colormap }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [, h, w] = level.shape;
  const map = useMemo(() => reduceChannels(level, 'mean'), [level]);
  const range = useMemo(() => minMax(map), [map]);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const pixels = paintRgba(map, range.min, range.max, colormap);
    ctx.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  }, [map, range, colormap, w, h]);
  return (
    <figure className="heatmap">
      <canvas ref={canvas} width={w} height={h} data-testid={`heatmap-${level.index}`} data-height={h} data-width={w} />
      <figcaption>
        {h}×{w} · mean over {level.numChs} channels · [{range.min.toPrecision(3)}, {range.max.toPrecision(3)}]
      </figcaption>
    </figure>
  );
}
