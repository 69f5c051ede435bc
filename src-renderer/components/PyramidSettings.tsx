import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { selectedModel } from '../store/selectors';

const STRIDES = [8, 16, 32];

export function PyramidSettings() {
  const { model, outIndices, outputStride, inputSize, toggleLevel, setOutputStride, setInputSize } = useApp(
    useShallow((s) => ({
      model: selectedModel(s),
      outIndices: s.outIndices,
      outputStride: s.outputStride,
      inputSize: s.inputSize,
      toggleLevel: s.toggleLevel,
      setOutputStride: s.setOutputStride,
      setInputSize: s.setInputSize,
    })),
  );
  if (!model) return null;
  return (
    <section className="panel">
      <h2>Pyramid</h2>
      <fieldset>
        <legend>out_indices</legend>
        {model.levels.map((l) => (
          <label key={l.index} className="level-check">
            <input type="checkbox" data-testid={`out-index-${l.index}`} checked={outIndices.includes(l.index)} onChange={() => toggleLevel(l.index)} />
            {l.index}: <code>{l.module}</code>
          </label>
        ))}
      </fieldset>
      <label className="row">
        output_stride
        <select data-testid="output-stride" value={outputStride} onChange={(e) => setOutputStride(Number(e.target.value))}>
          {STRIDES.map((s) => (
            <option key={s} value={s} disabled={!model.outputStrides.includes(s)}>
              {s}
              {model.outputStrides.includes(s) ? '' : ' (not supported)'}
            </option>
          ))}
        </select>
      </label>
      <label className="row">
        input size
        <input
          data-testid="input-size"
          type="number"
          min={16}
          max={2048}
          step={1}
          placeholder={String(model.defaultInputSize[1])}
          value={inputSize ?? ''}
          onChange={(e) => setInputSize(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      </label>
    </section>
  );
}
