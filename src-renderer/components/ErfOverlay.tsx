import { useLayoutEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { GeometryResult } from '../../src-shared/contract';
import type { ShownResult } from '../store/shown';
import { receptiveFieldRect } from '../../src-shared/maps/alignment';
import { erfStats } from '../../src-shared/maps/gradientStats';
import { useApp } from '../store';
import { geometryOf } from '../view/geometryOf';
import { paintHeatOverlay } from '../view/paint';

/** The effective receptive field of the locked cell, over the input: where the cell's value really comes from. */
export function ErfOverlay({ result }: { result: ShownResult }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const erf = useApp((s) => (s.erf?.result === result ? s.erf : undefined));
  useLayoutEffect(() => {
    if (ref.current && erf) paintHeatOverlay(ref.current, erf.gradient.map, erf.gradient.height, erf.gradient.width, 'turbo');
  }, [erf]);
  if (!erf) return null;
  return <canvas ref={ref} className="erf-map" width={erf.gradient.width} height={erf.gradient.height} data-testid="erf-map" />;
}

/** Numbers and status of the effective receptive field, under the input. */
export function ErfInfo({ result, geometry }: { result: ShownResult; geometry?: GeometryResult }) {
  const s = useApp(useShallow((st) => ({ erf: st.erf?.result === result ? st.erf : undefined, status: st.erfStatus, error: st.erfError, clear: st.clearErf })));
  const stats = useMemo(() => {
    if (!s.erf) return undefined;
    const g = geometryOf(result, geometry, s.erf.level);
    const centre = { x: g.rfStart[1] + s.erf.col * g.jump[1] + 0.5, y: g.rfStart[0] + s.erf.row * g.jump[0] + 0.5 };
    const rf = receptiveFieldRect(g, s.erf.row, s.erf.col);
    return { ...erfStats(s.erf.gradient.map, s.erf.gradient.height, s.erf.gradient.width, centre, rf), theoretical: rf?.width };
  }, [s.erf, result, geometry]);
  if (s.status === 'running') return <p className="muted" data-testid="erf-info" data-status="running">computing the effective receptive field…</p>;
  if (s.status === 'error') return <p className="error-text" data-testid="erf-info" data-status="error">{s.error}</p>;
  if (!s.erf || !stats) return <p className="hint">Click a map to lock the probe and compute that cell's effective receptive field.</p>;
  return (
    <p
      className="erf-info"
      data-testid="erf-info"
      data-status="ready"
      data-level={s.erf.level}
      data-row={s.erf.row}
      data-col={s.erf.col}
      data-inside={stats.insideTheoretical}
      data-side={stats.side}
    >
      Effective RF of level {s.erf.level} cell ({s.erf.row}, {s.erf.col}){s.erf.channel !== undefined ? `, channel ${s.erf.channel}` : ''}: 90% of |∂y/∂x| within {stats.side} px
      {stats.theoretical !== undefined && ` (theoretical ${stats.theoretical} px)`}.{' '}
      <button className="small" data-testid="erf-clear" onClick={s.clear}>
        clear
      </button>
    </p>
  );
}
