import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { mapPlacement, naiveGeometry } from '../../src-shared/maps/alignment';
import { useApp } from '../store';
import { inputImageUrl } from '../view/inputImage';
import { paintHeatOverlay } from '../view/paint';
import { STAGE_PX } from './LevelPanel';

/** Grad-CAM at forward_features for a class, over the input, beside the plain maps. */
export function ClassEvidencePanel() {
  const s = useApp(
    useShallow((st) => ({ result: st.result, cam: st.gradCam, status: st.gradCamStatus, error: st.gradCamError, compute: st.computeGradCam, weightsLabel: st.result?.weightsLabel })),
  );
  const [klass, setKlass] = useState('');
  const ref = useRef<HTMLCanvasElement>(null);
  const cam = s.cam && s.cam.result === s.result ? s.cam.gradient : undefined;
  useLayoutEffect(() => {
    if (ref.current && cam) paintHeatOverlay(ref.current, cam.map, cam.height, cam.width, 'turbo');
  }, [cam]);
  const url = useMemo(() => (s.result ? inputImageUrl(s.result.input) : ''), [s.result]);
  if (!s.result) return null;
  const { input } = s.result;
  const scale = STAGE_PX / Math.max(input.width, input.height);
  // forward_features cells tile the input by its size over theirs (the last level's stride for every zoo family).
  const place = cam ? mapPlacement(naiveGeometry(input.width / cam.width), cam.height, cam.width) : undefined;
  return (
    <details className="penultimate" data-testid="gradcam-panel">
      <summary>Class evidence (Grad-CAM)</summary>
      <p className="hint">
        Which parts of forward_features raise a class's logit: ReLU(Σ<sub>c</sub> mean(∂logit/∂A<sub>c</sub>)·A<sub>c</sub>). Meaningful with trained weights ({s.weightsLabel}).
      </p>
      <label>
        class index{' '}
        <input data-testid="gradcam-class" type="number" min={0} max={999} placeholder="top" value={klass} onChange={(e) => setKlass(e.target.value)} />
      </label>{' '}
      <button data-testid="compute-gradcam" disabled={s.status === 'running'} onClick={() => void s.compute(klass === '' ? undefined : Number(klass))}>
        {s.status === 'running' ? 'Computing…' : 'Compute Grad-CAM'}
      </button>
      {s.result.predictions && (
        <span className="buttons inline">
          {s.result.predictions.map((p) => (
            <button key={p.classIndex} className="small" onClick={() => void s.compute(p.classIndex)}>
              {p.label}
            </button>
          ))}
        </span>
      )}
      {s.status === 'error' && <p className="error-text">{s.error}</p>}
      {cam && place && (
        <figure className="gradcam">
          <div className="stage" style={{ width: input.width * scale, height: input.height * scale }}>
            <img className="stage-input" src={url} alt="" draggable={false} />
            <canvas
              ref={ref}
              width={cam.width}
              height={cam.height}
              className="map smooth"
              data-testid="gradcam-map"
              data-class={cam.classIndex}
              data-height={cam.height}
              data-width={cam.width}
              style={{ left: place.x * scale, top: place.y * scale, width: place.width * scale, height: place.height * scale }}
            />
          </div>
          <figcaption data-testid="gradcam-caption">
            class {cam.classIndex} · {cam.label} · p = {((cam.probability ?? 0) * 100).toFixed(2)}% · at forward_features ({cam.height}×{cam.width})
          </figcaption>
        </figure>
      )}
    </details>
  );
}
