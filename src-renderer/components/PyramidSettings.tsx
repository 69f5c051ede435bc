import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { selectedModel } from '../store/selectors';
import { TRANSFERS } from '../store/types';
import { ChoiceRow } from './ChoiceRow';
import { InputSizeField } from './InputSizeField';

/** The strides offered: 8, 16, 32, and 4 where the model can do it (EfficientNet, RepVGG). */
const strides = (allowed: readonly number[]) => [4, 8, 16, 32].filter((s) => s >= 8 || allowed.includes(s));

export function PyramidSettings() {
  const { model, outIndices, outputStride, inputSize, transfer, toggleLevel, setOutputStride, setInputSize, setTransfer } = useApp(
    useShallow((s) => ({
      model: selectedModel(s),
      outIndices: s.outIndices,
      outputStride: s.outputStride,
      inputSize: s.inputSize,
      toggleLevel: s.toggleLevel,
      setOutputStride: s.setOutputStride,
      setInputSize: s.setInputSize,
      transfer: s.transfer,
      setTransfer: s.setTransfer,
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
          {strides(model.outputStrides).map((s) => (
            <option key={s} value={s} disabled={!model.outputStrides.includes(s)}>
              {s}
              {model.outputStrides.includes(s) ? '' : ' (not supported)'}
            </option>
          ))}
        </select>
      </label>
      <InputSizeField
        key={model.name}
        value={inputSize}
        rule={model.inputSizeRule}
        placeholder={model.defaultInputSize[1] === model.defaultInputSize[2] ? String(model.defaultInputSize[1]) : `${model.defaultInputSize[1]}x${model.defaultInputSize[2]}`}
        onChange={setInputSize}
      />
      <ChoiceRow
        label="precision"
        testId="transfer-precision"
        title="How feature levels are sent and held. auto: exact float32, or float16 (half the memory, about 3 significant digits) once a pyramid passes 48 MiB, e.g. ResNet-50 above ≈ 512×512. Exports are always exact float32."
        value={transfer}
        choices={TRANSFERS}
        labelOf={(t) => (t === 'auto' ? 'auto (float16 when large)' : t)}
        onChange={setTransfer}
      />
    </section>
  );
}
