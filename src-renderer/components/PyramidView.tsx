import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { prewarmAggregates } from '../view/prewarm';
import { useShallow } from 'zustand/react/shallow';
import { useApp, useAppStore } from '../store';
import { usePaneDisplays } from '../view/usePaneDisplays';
import { differenceMap, type LevelDisplay, type ScalarDisplay } from '../view/levelDisplays';
import { paintScalar } from '../view/paint';
import { PyramidPane } from './PyramidPane';
import { ColorBar } from './ColorBar';
import { STAGE_PX } from './LevelPanel';

/** A − B for one level, where both panes have the same map size. */
function DiffPanel({ a, b }: { a: ScalarDisplay; b: ScalarDisplay }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const diff = useMemo(() => differenceMap(a, b), [a, b]);
  const [, h, w] = a.shape;
  useLayoutEffect(() => {
    if (canvas.current && diff) paintScalar(canvas.current, diff.values, h, w, diff.range, 'diverging');
  }, [diff, h, w]);
  if (!diff) return null;
  return (
    <div className="level" data-testid={`diff-level-${a.index}`}>
      <h3>level {a.index} · A − B</h3>
      <div className="stage" style={{ width: STAGE_PX, height: STAGE_PX }}>
        <canvas ref={canvas} width={w} height={h} data-testid={`diff-${a.index}`} data-height={h} data-width={w} className="map" style={{ left: 0, top: 0, width: STAGE_PX, height: STAGE_PX }} />
      </div>
      <ColorBar range={diff.range} colormap="diverging" testId={`diff-colorbar-${a.index}`} />
    </div>
  );
}

function DiffRow({ a, b }: { a: LevelDisplay[]; b: LevelDisplay[] }) {
  const pairs = a.flatMap((da) => {
    const db = b.find((x) => x.index === da.index);
    return da.kind === 'scalar' && db?.kind === 'scalar' && db.shape[1] === da.shape[1] && db.shape[2] === da.shape[2] ? [[da, db] as const] : [];
  });
  return (
    <section className="diff-row" data-testid="diff-row">
      <h2>Difference A − B</h2>
      {pairs.length ? (
        <div className="pyramid">
          {pairs.map(([da, db]) => (
            <DiffPanel key={da.index} a={da} b={db} />
          ))}
        </div>
      ) : (
        <p className="muted">No level has the same map size (and a scalar view) in both panes, so there is no difference map.</p>
      )}
    </section>
  );
}

export function PyramidView() {
  const { result, geometry, compareOn, compareResult, compareGeometry, compareStatus, compareError } = useApp(
    useShallow((s) => ({
      result: s.result,
      geometry: s.geometry,
      compareOn: s.compareOn,
      compareResult: s.compareResult,
      compareGeometry: s.compareGeometry,
      compareStatus: s.compareStatus,
      compareError: s.compareError,
    })),
  );
  const displays = usePaneDisplays();
  const store = useAppStore();
  useEffect(() => (result ? prewarmAggregates(result.levels, store.getState().valueSign) : undefined), [result, store]);
  useEffect(() => (compareResult ? prewarmAggregates(compareResult.levels, store.getState().valueSign) : undefined), [compareResult, store]);
  if (!result) return <p className="placeholder">Pick a model and an image to see its feature pyramid.</p>;
  return (
    <div className="panes">
      {compareOn && <h2 className="pane-title">A · {result.model} · output_stride {result.outputStride}</h2>}
      <PyramidPane result={result} geometry={geometry} displays={displays.a} prefix="" />
      {compareOn && (
        <>
          <h2 className="pane-title">
            B · {compareResult ? `${compareResult.model} · output_stride ${compareResult.outputStride}` : '…'} ·{' '}
            <span data-testid="compare-status">{compareStatus}</span>
            {compareStatus === 'error' && compareError && <span className="error-text"> {compareError.message}</span>}
          </h2>
          {compareResult && displays.b && <PyramidPane result={compareResult} geometry={compareGeometry} displays={displays.b} prefix="compare-" />}
          {compareResult && displays.b && <DiffRow a={displays.a} b={displays.b} />}
        </>
      )}
    </div>
  );
}
