/**
 * PyTorch pooling geometry (torch.nn.MaxPool2d / AvgPool2d output sizes,
 * ceil_mode, count_include_pad), expressed as explicit padding plus a
 * 'valid' pool so any backend can reproduce torch exactly.
 */

/** torch's output length for one spatial axis. */
export function pooledLength(size: number, kernel: number, stride: number, pad: number, ceilMode: boolean, dilation = 1): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // torch: the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= size + pad) out -= 1;
  return out;
}

/** [before, after] padding so that a 'valid' pool yields exactly `out` windows. */
export function poolPadding(size: number, kernel: number, stride: number, pad: number, out: number): [number, number] {
  const needed = (out - 1) * stride + kernel;
  return [pad, Math.max(0, needed - size - pad)];
}

/**
 * Divisors of an average pool on one axis: how many of each window's taps
 * fall inside the counted region. With count_include_pad the counted region
 * is the input plus its explicit padding; without it, the input alone. Taps in
 * the extra ceil_mode extension are never counted (as in torch).
 */
export function windowCounts(size: number, kernel: number, stride: number, pad: number, out: number, countIncludePad: boolean): number[] {
  const lo = countIncludePad ? -pad : 0;
  const hi = countIncludePad ? size + pad : size;
  const counts: number[] = [];
  for (let o = 0; o < out; o++) {
    const start = o * stride - pad;
    const end = start + kernel;
    counts.push(Math.max(0, Math.min(end, hi) - Math.max(start, lo)));
  }
  return counts;
}

/** torch.nn.Conv2d output length for one spatial axis. */
export function convLength(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * timm's get_same_padding (TF 'SAME'): the total padding that makes the output
 * ceil(size / stride), split [total // 2, total - total // 2], so an odd total
 * puts the extra pixel at the bottom / right. Depends on the input size.
 */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** One torch pooling call worked out for an h×w input: output size, explicit pads, and average divisors. */
export interface PoolPlan {
  oh: number;
  ow: number;
  /** [before, after] padding per axis so a 'valid' pool yields exactly oh × ow windows. */
  ph: [number, number];
  pw: [number, number];
  /** Average pools: every window has kh·kw counted taps, so a plain mean is torch's. */
  windowsFull: boolean;
  /** Average pools: per output cell, kh·kw / counted taps — what turns a kh·kw mean into torch's. */
  rescale: Float32Array;
}

/** torch's MaxPool2d / AvgPool2d geometry (ceil_mode, count_include_pad), the one rule every executor uses. */
export function planPool(h: number, w: number, o: { kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; ceilMode: boolean; countIncludePad?: boolean }): PoolPlan {
  const [kh, kw] = o.kernel;
  const oh = pooledLength(h, kh, o.stride[0], o.padding[0], o.ceilMode);
  const ow = pooledLength(w, kw, o.stride[1], o.padding[1], o.ceilMode);
  const include = o.countIncludePad ?? true;
  const ch = windowCounts(h, kh, o.stride[0], o.padding[0], oh, include);
  const cw = windowCounts(w, kw, o.stride[1], o.padding[1], ow, include);
  const rescale = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) rescale[i * ow + j] = (kh * kw) / (ch[i] * cw[j]);
  return {
    oh,
    ow,
    ph: poolPadding(h, kh, o.stride[0], o.padding[0], oh),
    pw: poolPadding(w, kw, o.stride[1], o.padding[1], ow),
    windowsFull: ch.every((c) => c === kh) && cw.every((c) => c === kw),
    rescale,
  };
}

/**
 * torch's adaptive pooling bins on one axis of length `size` pooled to `out`:
 * output cell i covers input cells [⌊i·size/out⌋, ⌈(i+1)·size/out⌉). Bins may
 * overlap, and when out > size cells repeat (VGG's ConvMlp pools 2×2 up to 7×7).
 */
export function adaptiveBins(size: number, out: number): Array<[number, number]> {
  const bins: Array<[number, number]> = [];
  for (let i = 0; i < out; i++) bins.push([Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)]);
  return bins;
}

/** adaptive_avg_pool on one axis as a row-major [out, size] matrix: row i holds 1/|bin i| over bin i. */
export function adaptiveAvgMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(out * size);
  adaptiveBins(size, out).forEach(([start, end], i) => {
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  });
  return m;
}
