/**
 * How a computed pyramid travels to the UI: exact float32, or float16 bits for
 * large pyramids so neither the transfer nor the renderer carries hundreds of MB
 * (see ComputeRequest.transfer). A level whose values overflow float16 stays
 * float32, so nothing shown is ever clipped to infinity.
 */
import { FLOAT16_ABOVE_BYTES, type ComputedLevel } from '../../src-shared/contract';
import { encodeFloat16 } from '../../src-shared/maps/float16';

export type Transfer = 'auto' | 'float32' | 'float16';

export function encodeLevels(levels: ReadonlyArray<Omit<ComputedLevel, 'dtype' | 'data'> & { data: Float32Array }>, transfer: Transfer): ComputedLevel[] {
  const pyramidBytes = levels.reduce((sum, l) => sum + l.data.byteLength, 0);
  const half = transfer === 'float16' || (transfer === 'auto' && pyramidBytes > FLOAT16_ABOVE_BYTES);
  return levels.map((l) => {
    const bits = half ? encodeFloat16(l.data) : undefined;
    return bits ? { ...l, dtype: 'float16', data: bits } : { ...l, dtype: 'float32', data: l.data };
  });
}
