import type { GeometryResult } from '../../src-shared/contract';
import type { ShownResult } from '../store/shown';
import { naiveGeometry, type CellGeometry } from '../../src-shared/maps/alignment';

/** A level's cell geometry: the engine's when it matches the result shown, else the naive grid. */
export function geometryOf(result: ShownResult, geometry: GeometryResult | undefined, index: number): CellGeometry {
  const level = result.levels.find((l) => l.index === index);
  const matches = geometry && geometry.model === result.model && geometry.outputStride === result.outputStride && geometry.inputSize[0] === result.inputSize[0] && geometry.inputSize[1] === result.inputSize[1];
  const g = matches ? geometry.levels.find((l) => l.index === index) : undefined;
  if (g) return { jump: g.jump, rfStart: g.rfStart, rfSize: g.rfSize };
  return naiveGeometry(level?.reduction ?? 1);
}
