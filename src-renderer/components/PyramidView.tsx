import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { Heatmap } from './Heatmap';
import { InputPreview } from './InputPreview';
import { Predictions } from './Predictions';

export function PyramidView() {
  const { result, colormap } = useApp(useShallow((s) => ({ result: s.result, colormap: s.colormap })));
  if (!result) return <p className="placeholder">Pick a model and an image to see its feature pyramid.</p>;
  return (
    <div className="pyramid">
      <div className="level input-level">
        <h3>input</h3>
        <InputPreview image={result.input} />
        <p className="weights-label" data-testid="weights-label">
          {result.weightsLabel}
        </p>
        <Predictions />
      </div>
      {result.levels.map((l) => (
        <div key={l.index} className="level" data-testid={`level-${l.index}`}>
          <h3>
            level {l.index} · <code>{l.module}</code> · stride {l.reduction}
          </h3>
          <Heatmap level={l} colormap={colormap} />
        </div>
      ))}
    </div>
  );
}
