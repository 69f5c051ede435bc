import { useLayoutEffect, useRef, type MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ShownLevel, ShownResult } from '../store/shown';
import { cellAt, cellRect, mapPlacement, type CellGeometry, type Rect } from '../../src-shared/maps/alignment';
import { useApp } from '../store';
import { clampChannel } from '../../src-shared/maps/display';
import type { LevelDisplay } from '../view/levelDisplays';
import { formatValue, paintRgbaPixels, paintScalar } from '../view/paint';
import { ColorBar, PcaBar } from './ColorBar';
import { downloadNpy } from '../export/downloads';

/** Every panel draws the input's extent at this size, so all levels line up. */
export const STAGE_PX = 224;

export interface PanelProps {
  /** '' for pane A, 'compare-' for pane B: prefixes every test id. */
  prefix: '' | 'compare-';
  /** The result the level belongs to: its model, and the request for exact values. */
  result: Pick<ShownResult, 'model' | 'request'>;
  display: LevelDisplay;
  level: ShownLevel;
  geometry: CellGeometry;
  inputSize: readonly [number, number];
  inputUrl: string;
}

const px = (r: Rect, scale: number) => ({ left: r.x * scale, top: r.y * scale, width: r.width * scale, height: r.height * scale });

/** Where a mouse event falls on the input, as fractions of its width and height. */
export function probePoint(e: MouseEvent<HTMLElement>): { u: number; v: number } {
  const box = e.currentTarget.getBoundingClientRect();
  return { u: Math.max(0, Math.min(1, (e.clientX - box.left) / box.width)), v: Math.max(0, Math.min(1, (e.clientY - box.top) / box.height)) };
}

/** One level: its map registered to the input (optionally over it), the probed cell, its colour bar. */
export function LevelPanel({ prefix, result, display, level, geometry, inputSize, inputUrl }: PanelProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const v = useApp(
    useShallow((s) => ({
      colormap: s.colormap,
      overlay: s.overlay,
      opacity: s.opacity,
      upsampling: s.upsampling,
      probe: s.probe,
      locked: s.probeLocked,
      viewMode: s.viewMode,
      channel: s.channel,
      setProbe: s.setProbe,
      toggleProbeLock: s.toggleProbeLock,
      computeErf: s.computeErf,
      client: s.client,
    })),
  );
  const [, h, w] = display.shape;
  const scale = STAGE_PX / Math.max(inputSize[0], inputSize[1]);
  useLayoutEffect(() => {
    if (!canvas.current) return;
    if (display.kind === 'scalar') paintScalar(canvas.current, display.values, h, w, display.range, v.colormap);
    else paintRgbaPixels(canvas.current, display.rgba, h, w);
  }, [display, v.colormap, h, w]);
  const place = mapPlacement(geometry, h, w);
  const cell = v.probe ? cellAt(geometry, h, w, v.probe.u * inputSize[1], v.probe.v * inputSize[0]) : undefined;
  const probed = cell && display.kind === 'scalar' ? display.values[cell.row * w + cell.col] : undefined;
  const i = display.index;
  return (
    <div className="level" data-testid={`${prefix}level-${i}`} data-dtype={level.dtype}>
      <h3>
        level {i} · <code>{level.module}</code> · {level.shape.join('×')} · stride {geometry.jump[0]}
        {level.branch !== undefined && <span data-testid={`${prefix}level-branch-${i}`}> · parallel branch {level.branch}</span>}
        <button className="small" data-testid={`${prefix}export-npy-${i}`} title="Download this level's features as .npy (float32, NCHW)" onClick={() => void downloadNpy(v.client, result, level)}>
          .npy
        </button>
      </h3>
      <div
        className="stage"
        style={{ width: inputSize[1] * scale, height: inputSize[0] * scale }}
        onMouseMove={(e) => v.setProbe({ ...probePoint(e), source: i })}
        onMouseLeave={() => v.setProbe(undefined)}
        onClick={() => {
          // Locking the probe on a cell of pane A also asks the engine for that cell's effective receptive field.
          if (!v.locked && cell && prefix === '') void v.computeErf(i, cell.row, cell.col, v.viewMode === 'channel' ? clampChannel(v.channel, level.numChs) : undefined);
          v.toggleProbeLock();
        }}
      >
        {v.overlay && <img className="stage-input" src={inputUrl} alt="" draggable={false} />}
        <canvas
          ref={canvas}
          width={w}
          height={h}
          data-testid={`${prefix}heatmap-${i}`}
          data-height={h}
          data-width={w}
          className={v.upsampling === 'smooth' ? 'map smooth' : 'map'}
          style={{ ...px(place, scale), opacity: v.overlay ? v.opacity : 1 }}
        />
        {cell && <div className="cell-box" data-testid={`${prefix}cell-box-${i}`} data-row={cell.row} data-col={cell.col} style={px(cellRect(geometry, cell.row, cell.col), scale)} />}
      </div>
      {display.kind === 'scalar' ? (
        <ColorBar range={display.range} colormap={v.colormap} testId={`${prefix}colorbar-${i}`} />
      ) : (
        <PcaBar clip={display.clip} explained={display.explained} testId={`${prefix}colorbar-${i}`} />
      )}
      <p className="caption">
        {h}×{w} · {display.label}
        {display.kind === 'scalar' && (
          <>
            {' '}
            · [{formatValue(display.mapRange.min)}, {formatValue(display.mapRange.max)}]
          </>
        )}
        {probed !== undefined && <span className="probe-value"> · at ({cell?.row}, {cell?.col}): {formatValue(probed)}</span>}
      </p>
    </div>
  );
}
