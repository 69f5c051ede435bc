import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { GeometryResult, GradientResult } from '../../src-shared/contract';
import { mapPlacement, naiveGeometry, type CellGeometry } from '../../src-shared/maps/alignment';
import { useApp } from '../store';
import type { ShownResult } from '../store/shown';
import { geometryOf } from '../view/geometryOf';
import { inputImageUrl } from '../view/inputImage';
import { paintHeatOverlay } from '../view/paint';
import { STAGE_PX } from './LevelPanel';

/** The level selector's value for forward_features (other values are level indices). */
const FEATURES = 'features';

/**
 * Where the CAM's cells sit on the input. A level's map uses that level's geometry,
 * as its LevelPanel does. forward_features is the deepest level's grid (that level,
 * or a ReLU of it, in every zoo family): its geometry when the engine's matches this
 * result, else cells tiling the input by its size over theirs.
 */
function camGeometry(result: ShownResult, geometry: GeometryResult | undefined, cam: GradientResult): CellGeometry {
  if (cam.level !== undefined) return geometryOf(result, geometry, cam.level);
  const deepest = geometry?.levels.at(-1);
  const sameRun = geometry && geometry.model === result.model && geometry.outputStride === result.outputStride && geometry.inputSize.join('x') === result.inputSize.join('x');
  if (sameRun && deepest && deepest.shape[1] === cam.height && deepest.shape[2] === cam.width) return { jump: deepest.jump, rfStart: deepest.rfStart };
  return naiveGeometry(result.input.width / cam.width);
}

/** Grad-CAM for a class at forward_features or at a computed level, over the input, beside the plain maps. */
export function ClassEvidencePanel() {
  const s = useApp(
    useShallow((st) => ({
      result: st.result,
      geometry: st.geometry,
      cam: st.gradCam,
      status: st.gradCamStatus,
      error: st.gradCamError,
      compute: st.computeGradCam,
      weightsLabel: st.result?.weightsLabel,
    })),
  );
  const [klass, setKlass] = useState('');
  const [levelChoice, setLevelChoice] = useState(FEATURES);
  const ref = useRef<HTMLCanvasElement>(null);
  const cam = s.cam && s.cam.result === s.result ? s.cam.gradient : undefined;
  useLayoutEffect(() => {
    if (ref.current && cam) paintHeatOverlay(ref.current, cam.map, cam.height, cam.width, 'turbo');
  }, [cam]);
  const url = useMemo(() => (s.result ? inputImageUrl(s.result.input) : ''), [s.result]);
  if (!s.result) return null;
  const { input, levels } = s.result;
  // A level no longer computed (the selection changed) falls back to forward_features.
  const chosen = levels.some((l) => String(l.index) === levelChoice) ? levelChoice : FEATURES;
  const level = chosen === FEATURES ? undefined : Number(chosen);
  const scale = STAGE_PX / Math.max(input.width, input.height);
  const place = cam ? mapPlacement(camGeometry(s.result, s.geometry, cam), cam.height, cam.width) : undefined;
  return (
    <details className="penultimate" data-testid="gradcam-panel">
      <summary>Class evidence (Grad-CAM)</summary>
      <p className="hint">
        Which parts of a feature map A — forward_features or any computed level — raise a class's logit: ReLU(Σ<sub>c</sub> mean(∂logit/∂A<sub>c</sub>)·A<sub>c</sub>).
        Meaningful with trained weights ({s.weightsLabel}).
      </p>
      <label>
        class index{' '}
        <input data-testid="gradcam-class" type="number" min={0} max={999} placeholder="top" value={klass} onChange={(e) => setKlass(e.target.value)} />
      </label>{' '}
      <label>
        at{' '}
        <select data-testid="gradcam-level" value={chosen} onChange={(e) => setLevelChoice(e.target.value)}>
          <option value={FEATURES}>forward_features</option>
          {levels.map((l) => (
            <option key={l.index} value={String(l.index)}>
              level {l.index} · {l.module} ({l.shape[1]}×{l.shape[2]})
            </option>
          ))}
        </select>
      </label>{' '}
      <button data-testid="compute-gradcam" disabled={s.status === 'running'} onClick={() => void s.compute(klass === '' ? undefined : Number(klass), level)}>
        {s.status === 'running' ? 'Computing…' : 'Compute Grad-CAM'}
      </button>
      {s.result.predictions && (
        <span className="buttons inline">
          {s.result.predictions.map((p) => (
            <button key={p.classIndex} className="small" onClick={() => void s.compute(p.classIndex, level)}>
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
              data-level={cam.level ?? FEATURES}
              data-height={cam.height}
              data-width={cam.width}
              style={{ left: place.x * scale, top: place.y * scale, width: place.width * scale, height: place.height * scale }}
            />
          </div>
          <figcaption data-testid="gradcam-caption">
            class {cam.classIndex} · {cam.label} · p = {((cam.probability ?? 0) * 100).toFixed(2)}% · at{' '}
            {cam.module ?? 'forward_features'} ({cam.height}×{cam.width}{cam.level === undefined ? '' : `, level ${cam.level}`})
          </figcaption>
        </figure>
      )}
    </details>
  );
}
