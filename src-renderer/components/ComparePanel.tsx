import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';

const STRIDES = [8, 16, 32];

/** Pane B's settings: another image, another model, or the same model at another output stride. */
export function ComparePanel() {
  const s = useApp(
    useShallow((st) => ({
      on: st.compareOn,
      c: st.compare,
      models: st.models,
      samples: st.samples,
      shared: st.compareSharedScale,
      setOn: st.setCompareOn,
      update: st.updateCompare,
      setShared: st.setCompareSharedScale,
    })),
  );
  const model = s.c ? s.models.find((m) => m.name === s.c?.model) : undefined;
  return (
    <section className="panel" data-testid="compare-panel">
      <h2>Compare</h2>
      <label className="check">
        <input data-testid="compare-toggle" type="checkbox" checked={s.on} onChange={(e) => s.setOn(e.target.checked)} />
        two panes (A | B)
      </label>
      {s.on && s.c && (
        <>
          <label className="row">
            B model
            <select data-testid="compare-model" value={s.c.model} onChange={(e) => s.update({ model: e.target.value })}>
              {s.models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            B output_stride
            <select data-testid="compare-output-stride" value={s.c.outputStride} onChange={(e) => s.update({ outputStride: Number(e.target.value) })}>
              {STRIDES.map((o) => (
                <option key={o} value={o} disabled={!model?.outputStrides.includes(o)}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            B image
            <select
              data-testid="compare-sample"
              value={s.c.image.kind === 'sample' ? s.c.image.name : ''}
              onChange={(e) => {
                const sample = s.samples.find((x) => x.name === e.target.value);
                if (sample) s.update({ image: { kind: 'sample', name: sample.name }, imageLabel: sample.file });
              }}
            >
              {s.c.image.kind === 'file' && <option value="">{s.c.imageLabel}</option>}
              {s.samples.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input data-testid="compare-shared-scale" type="checkbox" checked={s.shared} onChange={(e) => s.setShared(e.target.checked)} />
            one colour scale for both panes
          </label>
          <p className="hint">The probe moves in both panes; where a level has the same size in both, A − B is drawn below.</p>
        </>
      )}
    </section>
  );
}
