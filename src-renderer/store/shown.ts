/**
 * A computed pyramid as the renderer holds it: float16 levels stay float16
 * (a Float16Array view over the received bytes, no copy), so a large input
 * costs half the memory; every map function reads both kinds alike.
 */
import type { ComputedLevel, ComputeResult, RequestOf } from '../../src-shared/contract';
import { float16Values, type LevelValues } from '../../src-shared/maps/float16';

export type ShownLevel = Omit<ComputedLevel, 'data'> & { data: LevelValues };
export type ShownResult = Omit<ComputeResult, 'levels'> & {
  levels: ShownLevel[];
  /** What was asked, so exact float32 values can be fetched again (exports). */
  request: RequestOf<'features:compute'>;
};

export function toShown(result: ComputeResult, request: RequestOf<'features:compute'>): ShownResult {
  return {
    ...result,
    request,
    levels: result.levels.map((l) => ({ ...l, data: l.data instanceof Uint16Array ? float16Values(l.data) : l.data })),
  };
}

/** Bytes the levels hold, as the status bar reports them. */
export function heldBytes(result: Pick<ShownResult, 'levels'>): number {
  return result.levels.reduce((sum, l) => sum + l.data.byteLength, 0);
}
