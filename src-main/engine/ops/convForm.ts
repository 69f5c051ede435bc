/**
 * Which tfjs form runs a conv (see ConvForm in tfjsParams.ts). tfjs has no
 * grouped convolution, so a grouped conv becomes one of three forms, chosen by
 * a cost model fitted to the wasm backend (XNNPACK, 2 threads) on the grouped
 * 3×3 layers of resnext50_32x4d, regnety_032, regnetx_002 and resnest26d:
 *
 * - split (one conv per group + concat) pays a fixed ~0.6 ms per group (a slice
 *   copy and a small GEMM each): best for few, wide groups (ResNeSt's 2, RegNetY's 3).
 * - expand (depthwise with multiplier O/g, then a sum over each group's inputs)
 *   does exactly the grouped FLOPs but writes an intermediate O/g times the
 *   input: best for many narrow groups (ResNeXt's 32×4d: 3–10× faster than split).
 * - blockDiagonal (one dense conv, zero off the group blocks) does g× the FLOPs
 *   at GEMM speed: best when the whole conv is small (regnetx_002's first stage).
 *
 * Measured per layer (ms, 2 threads): resnext L1–L4 split 59/25/26/25, expand
 * 14/6/6/6, blockDiagonal 42/46/30/51; regnety_032 L1 split 7, expand 21, L4
 * split 19, expand 5; resnest26d split 20, expand 92.
 */
import type { ConvForm } from './tfjsParams';

export interface ConvShape {
  inChannels: number;
  outChannels: number;
  groups: number;
  kernel: readonly [number, number];
  /** Output height × width. */
  outPixels: number;
}

// Rough costs in ms on the wasm backend; only their ratios matter.
const MS_PER_GROUP = 0.6;
const MS_PER_MAC = 0.08e-6;
const MS_PER_EXPANDED_VALUE = 3.5e-6;

export interface FormOptions {
  /**
   * Only forms whose gradient the wasm backend has: not `expand`, which is a
   * depthwise conv (wasm has no DepthwiseConv2dNativeBackpropInput).
   */
  differentiable?: boolean;
}

export function chooseConvForm(s: ConvShape, o: FormOptions = {}): ConvForm {
  if (s.groups === 1) return 'dense';
  if (s.groups === s.inChannels) return 'depthwise';
  const denseMacs = s.outPixels * s.kernel[0] * s.kernel[1] * s.inChannels * s.outChannels;
  const cost: Partial<Record<ConvForm, number>> = {
    split: s.groups * MS_PER_GROUP + (denseMacs / s.groups) * MS_PER_MAC,
    blockDiagonal: denseMacs * MS_PER_MAC,
  };
  if (!o.differentiable) cost.expand = s.outPixels * s.inChannels * (s.outChannels / s.groups) * MS_PER_EXPANDED_VALUE;
  const forms = Object.keys(cost) as ConvForm[];
  return forms.reduce((best, f) => ((cost[f] as number) < (cost[best] as number) ? f : best));
}
