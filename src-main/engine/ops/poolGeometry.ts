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
