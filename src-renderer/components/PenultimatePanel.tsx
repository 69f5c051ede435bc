import { useLayoutEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { reduceChannels, minMax } from '../../src-shared/maps/reduce';
import { formatValue, paintScalar } from '../view/paint';

function BarStrip({ values }: { values: Float32Array }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const sorted = useMemo(() => Float32Array.from(values).sort().reverse(), [values]);
  useLayoutEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    ctx.clearRect(0, 0, c.width, c.height);
    const { min, max } = minMax(sorted);
    const lo = Math.min(0, min);
    const span = Math.max(max - lo, 1e-12);
    const zeroY = c.height - ((0 - lo) / span) * c.height;
    const bw = c.width / sorted.length;
    ctx.fillStyle = '#3a5ccc';
    sorted.forEach((v, i) => {
      const y = c.height - ((v - lo) / span) * c.height;
      ctx.fillRect(i * bw, Math.min(y, zeroY), Math.max(bw, 0.5), Math.abs(zeroY - y));
    });
  }, [sorted]);
  return <canvas ref={ref} width={640} height={80} className="bar-strip" data-testid="penultimate-bars" data-count={values.length} data-max={sorted[0]} data-min={sorted[sorted.length - 1]} />;
}

/** timm's penultimate features: the unpooled forward_features map and the pooled pre-logits vector. */
export function PenultimatePanel() {
  const s = useApp(useShallow((st) => ({ p: st.penultimate, status: st.penultimateStatus, error: st.penultimateError, load: st.loadPenultimate, colormap: st.colormap, model: st.selected })));
  const map = useRef<HTMLCanvasElement>(null);
  const mean = useMemo(() => (s.p ? reduceChannels({ shape: s.p.features.shape, data: s.p.features.data }, 'mean') : undefined), [s.p]);
  useLayoutEffect(() => {
    if (map.current && s.p && mean) paintScalar(map.current, mean, s.p.features.shape[1], s.p.features.shape[2], minMax(mean), s.colormap);
  }, [s.p, mean, s.colormap]);
  const p = s.p;
  return (
    <details className="penultimate" data-testid="penultimate-panel">
      <summary>Penultimate features (forward_features and pre-logits)</summary>
      <button data-testid="load-penultimate" onClick={() => void s.load()} disabled={s.status === 'running'}>
        {s.status === 'running' ? 'Computing…' : `Compute for ${s.model} on this image`}
      </button>
      {s.status === 'error' && <p className="error-text">{s.error}</p>}
      {p && (
        <div className="penultimate-body" data-testid="penultimate-result" data-model={p.model}>
          <figure>
            <canvas ref={map} width={p.features.shape[2]} height={p.features.shape[1]} data-testid="penultimate-map" data-shape={p.features.shape.join('x')} className="map-static" />
            <figcaption>
              <code>m.forward_features(x)</code> → {p.features.shape.join('×')} (mean over channels shown) · also{' '}
              <code>
                create_model('{p.model}', num_classes=0, global_pool='')
              </code>
            </figcaption>
          </figure>
          <figure>
            <BarStrip values={p.pooled} />
            <figcaption>
              pre-logits, {p.pooled.length} values sorted (max {formatValue(Math.max(...p.pooled))}): <code>create_model('{p.model}', num_classes=0)</code> or <code>m.reset_classifier(0)</code> then{' '}
              <code>m(x)</code> — global_pool '{p.globalPool}' over forward_features. {p.weightsLabel}.
            </figcaption>
          </figure>
        </div>
      )}
    </details>
  );
}
