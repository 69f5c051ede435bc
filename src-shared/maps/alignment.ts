/**
 * Where a feature map's cells sit on the input image. A level's cell (i, j)
 * has its receptive field centred at start + (i, j)·jump input pixels (from
 * the engine's `explore:geometry`); drawing each cell as a jump×jump square
 * around that centre registers the map to the input exactly — which, with
 * symmetric padding, is half a cell up and left of the naive stretch.
 */

export interface CellGeometry {
  /** Cell pitch on the input, pixels [y, x]. */
  jump: readonly [number, number];
  /** Centre of cell (0, 0), input pixel indices [y, x]. */
  rfStart: readonly [number, number];
  /** Theoretical receptive-field size [h, w]; undefined when unknown. */
  rfSize?: readonly [number, number];
}

/** Without the engine's geometry: cells tile the input from its corner, centres in the middle of each tile. */
export function naiveGeometry(reduction: number): CellGeometry {
  const c = (reduction - 1) / 2;
  return { jump: [reduction, reduction], rfStart: [c, c] };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The H×W map's footprint on the input, in input pixels (continuous coordinates, pixel k spans [k, k+1)). */
export function mapPlacement(g: CellGeometry, h: number, w: number): Rect {
  return {
    x: g.rfStart[1] + 0.5 - g.jump[1] / 2,
    y: g.rfStart[0] + 0.5 - g.jump[0] / 2,
    width: w * g.jump[1],
    height: h * g.jump[0],
  };
}

/** The cell whose centre is nearest to an input point (continuous coordinates), clamped into the map. */
export function cellAt(g: CellGeometry, h: number, w: number, x: number, y: number): { row: number; col: number } {
  const row = Math.round((y - 0.5 - g.rfStart[0]) / g.jump[0]);
  const col = Math.round((x - 0.5 - g.rfStart[1]) / g.jump[1]);
  return { row: Math.max(0, Math.min(h - 1, row)), col: Math.max(0, Math.min(w - 1, col)) };
}

/** A cell's square on the input (what it is drawn as). */
export function cellRect(g: CellGeometry, row: number, col: number): Rect {
  return {
    x: g.rfStart[1] + col * g.jump[1] + 0.5 - g.jump[1] / 2,
    y: g.rfStart[0] + row * g.jump[0] + 0.5 - g.jump[0] / 2,
    width: g.jump[1],
    height: g.jump[0],
  };
}

/** A cell's theoretical receptive field on the input (may reach past the image: padding). */
export function receptiveFieldRect(g: CellGeometry, row: number, col: number): Rect | undefined {
  if (!g.rfSize) return undefined;
  const cy = g.rfStart[0] + row * g.jump[0] + 0.5;
  const cx = g.rfStart[1] + col * g.jump[1] + 0.5;
  return { x: cx - g.rfSize[1] / 2, y: cy - g.rfSize[0] / 2, width: g.rfSize[1], height: g.rfSize[0] };
}
