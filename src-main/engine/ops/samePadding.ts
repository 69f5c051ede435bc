/**
 * timm's dynamic 'same' padding (layers/padding.py pad_same, Conv2dSame,
 * MaxPool2dSame), written once against the op layer: explicit constant
 * padding worked out from the input size, then a conv or pool without
 * padding. Every executor and interpreter (shape, trace, receptive field,
 * where the asymmetric pad moves cell centres) follows from pad2d.
 */
import type { Conv2dOptions, Ops, Pair, ParamRef } from './ops';
import { samePadding } from './poolGeometry';

/** [top, bottom, left, right] for a k×k window at this stride and dilation on an h×w input. */
export function samePads(h: number, w: number, kernel: Pair, stride: Pair, dilation: Pair = [1, 1]): [number, number, number, number] {
  const [top, bottom] = samePadding(h, kernel[0], stride[0], dilation[0]);
  const [left, right] = samePadding(w, kernel[1], stride[1], dilation[1]);
  return [top, bottom, left, right];
}

/**
 * timm Conv2dSame: pad_same then conv with no padding. When the padding comes
 * out symmetric it is the conv's own (no separate pad), the same function.
 */
export function conv2dSame<T>(ops: Ops<T>, x: T, weight: ParamRef, o: Omit<Conv2dOptions, 'padding'>): T {
  const { h, w } = ops.dims(x);
  const [top, bottom, left, right] = samePads(h, w, [weight.shape[2], weight.shape[3]], o.stride, o.dilation);
  if (top === bottom && left === right) return ops.conv2d(x, weight, { ...o, padding: [top, left] });
  return ops.conv2d(ops.pad2d(x, [top, bottom, left, right]), weight, { ...o, padding: [0, 0] });
}

/** timm MaxPool2dSame: pad with −inf (padded taps never win), then a plain max pool. */
export function maxPool2dSame<T>(ops: Ops<T>, x: T, kernel: Pair, stride: Pair, ceilMode = false): T {
  const { h, w } = ops.dims(x);
  const pads = samePads(h, w, kernel, stride);
  const padded = pads.some((p) => p > 0) ? ops.pad2d(x, pads, -Infinity) : x;
  return ops.maxPool2d(padded, { kernel, stride, padding: [0, 0], ceilMode });
}
