import { useLayoutEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { GeometryResult } from '../../src-shared/contract';
import type { ShownResult } from '../store/shown';
import { cellAt, receptiveFieldRect } from '../../src-shared/maps/alignment';
import { useApp } from '../store';
import type { LevelDisplay } from '../view/levelDisplays';
import { geometryOf } from '../view/geometryOf';
import { inputImageUrl } from '../view/inputImage';
import { rgbToRgba } from '../view/paint';
import { LevelPanel, STAGE_PX, probePoint } from './LevelPanel';
import { Predictions } from './Predictions';
import { ErfInfo, ErfOverlay } from './ErfOverlay';

const RF_COLOURS = ['#ff4d4d', '#ffb000', '#3ddc84', '#36a3ff', '#c77dff', '#ff66c4'];

/** The input the network saw, with the probed point's receptive field in every level drawn on it. */
function InputPanel({ result, geometry, prefix }: { result: ShownResult; geometry?: GeometryResult; prefix: '' | 'compare-' }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { probe, setProbe, toggleProbeLock } = useApp(useShallow((s) => ({ probe: s.probe, setProbe: s.setProbe, toggleProbeLock: s.toggleProbeLock })));
  const { input } = result;
  useLayoutEffect(() => {
    canvas.current?.getContext('2d')?.putImageData(new ImageData(rgbToRgba(input), input.width, input.height), 0, 0);
  }, [input]);
  const scale = STAGE_PX / Math.max(input.width, input.height);
  return (
    <div className="level input-level" data-testid={`${prefix}input-panel`}>
      <h3>
        input · {input.height}×{input.width}
      </h3>
      <div
        className="stage"
        style={{ width: input.width * scale, height: input.height * scale }}
        onMouseMove={(e) => setProbe({ ...probePoint(e), source: 'input' })}
        onMouseLeave={() => setProbe(undefined)}
        onClick={toggleProbeLock}
      >
        <canvas ref={canvas} className="input-preview" width={input.width} height={input.height} data-testid={prefix ? 'compare-input-preview' : 'input-preview'} />
        {probe &&
          result.levels.map((l, k) => {
            const g = geometryOf(result, geometry, l.index);
            const cell = cellAt(g, l.shape[1], l.shape[2], probe.u * input.width, probe.v * input.height);
            const rf = receptiveFieldRect(g, cell.row, cell.col);
            if (!rf) return null;
            const active = probe.source === l.index;
            return (
              <div
                key={l.index}
                className={active ? 'rf-box active' : 'rf-box'}
                data-testid={`${prefix}rf-box-${l.index}`}
                data-x={rf.x}
                data-y={rf.y}
                data-width={rf.width}
                data-height={rf.height}
                title={`level ${l.index}: receptive field ${rf.width}×${rf.height} px`}
                style={{ left: rf.x * scale, top: rf.y * scale, width: rf.width * scale, height: rf.height * scale, borderColor: RF_COLOURS[k % RF_COLOURS.length] }}
              />
            );
          })}
        {!prefix && <ErfOverlay result={result} />}
        {probe && <div className="probe-dot" style={{ left: probe.u * input.width * scale, top: probe.v * input.height * scale }} />}
      </div>
      {!prefix && <ErfInfo result={result} geometry={geometry} />}
      <p className="weights-label" data-testid={prefix ? 'compare-weights-label' : 'weights-label'}>
        {result.weightsLabel}
      </p>
      {!prefix && <Predictions />}
    </div>
  );
}

/** One pane: the input and every selected level, registered to it. */
export function PyramidPane({ result, geometry, displays, prefix }: { result: ShownResult; geometry?: GeometryResult; displays: LevelDisplay[]; prefix: '' | 'compare-' }) {
  const inputUrl = useMemo(() => inputImageUrl(result.input), [result.input]);
  const inputSize = [result.input.height, result.input.width] as const;
  return (
    <div className="pyramid" data-testid={prefix ? 'compare-pane' : 'main-pane'}>
      <InputPanel result={result} geometry={geometry} prefix={prefix} />
      {displays.map((d) => {
        const level = result.levels.find((l) => l.index === d.index);
        if (!level) return null;
        return <LevelPanel key={d.index} prefix={prefix} result={result} display={d} level={level} geometry={geometryOf(result, geometry, d.index)} inputSize={inputSize} inputUrl={inputUrl} />;
      })}
    </div>
  );
}
