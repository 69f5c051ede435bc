import type { ColormapName } from '../../src-shared/maps/colormaps';
import type { Range } from '../../src-shared/maps/normalize';
import { colormapGradient, formatValue } from '../view/paint';

/** A colour bar with its two end values; data-min/data-max carry them exactly, for tests and tools. */
export function ColorBar({ range, colormap, testId }: { range: Range; colormap: ColormapName; testId: string }) {
  return (
    <div className="colorbar" data-testid={testId} data-min={range.min} data-max={range.max}>
      <span className="colorbar-end">{formatValue(range.min)}</span>
      <span className="colorbar-ramp" style={{ background: colormapGradient(colormap) }} />
      <span className="colorbar-end">{formatValue(range.max)}</span>
    </div>
  );
}

const PC_COLOURS = ['#e23', '#2a2', '#36e'];

/** PCA's "colour bar": the score range each of R, G, B spans, and the variance each component explains. */
export function PcaBar({ clip, explained, testId }: { clip: Range[]; explained: number[]; testId: string }) {
  return (
    <div className="colorbar pca-bar" data-testid={testId} data-min={clip[0]?.min} data-max={clip[0]?.max}>
      {clip.map((r, i) => (
        <span key={i} className="pc" title={`PC${i + 1}: scores ${formatValue(r.min)} … ${formatValue(r.max)} map to 0…255`}>
          <span className="swatch" style={{ background: PC_COLOURS[i] }} />
          PC{i + 1} {((explained[i] ?? 0) * 100).toFixed(1)}%
        </span>
      ))}
    </div>
  );
}
