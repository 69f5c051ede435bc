/**
 * The op layer that every model is written against.
 *
 * A model describes its network as calls on `Ops<T>`; it never touches tfjs
 * (or any other backend) directly. `T` is whatever the executor uses as a value:
 * an eager tf.Tensor for the tfjs executor, a symbolic graph value for an ONNX
 * graph builder. Semantics are PyTorch's, in logical NCHW terms: "channel axis",
 * explicit symmetric padding, floor/ceil pooling as torch.nn defines it.
 *
 * Parameters are named by `ParamRef` (the timm state-dict key and PyTorch shape),
 * so an executor resolves them against a loaded state dict in its own layout.
 */

/** A parameter or buffer, named by its timm state-dict key, in PyTorch layout. */
export interface ParamRef {
  readonly key: string;
  readonly shape: readonly number[];
}

export type Pair = readonly [number, number];

export interface Conv2dOptions {
  stride: Pair;
  /** Symmetric zero padding per spatial side, as torch.nn.Conv2d(padding=(ph, pw)). */
  padding: Pair;
  dilation: Pair;
  groups: number;
  bias?: ParamRef;
}

export interface BatchNormParams {
  weight: ParamRef;
  bias: ParamRef;
  runningMean: ParamRef;
  runningVar: ParamRef;
  eps: number;
}

export interface Pool2dOptions {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  ceilMode: boolean;
  /** avg pooling only: torch's count_include_pad. */
  countIncludePad?: boolean;
}

/** `leakyRelu` is torch's nn.LeakyReLU() default slope, 0.01 (timm's 'leaky_relu'); `leakyRelu()` takes any slope. */
export type Activation = 'relu' | 'relu6' | 'sigmoid' | 'hardSigmoid' | 'hardSwish' | 'silu' | 'gelu' | 'tanh' | 'leakyRelu' | 'identity';

/** torch.nn.LeakyReLU's default negative slope. */
export const LEAKY_RELU_SLOPE = 0.01;

/** An affine normalisation's parameters (LayerNorm, GroupNorm, GRN), PyTorch names, each of shape [C]. */
export interface NormParams {
  weight: ParamRef;
  bias: ParamRef;
  eps: number;
}

/** Logical NCHW dims of a 4-D value. */
export interface Dims4 {
  n: number;
  c: number;
  h: number;
  w: number;
}

export interface Ops<T> {
  /** Runs `fn` as a unit whose intermediates may be freed once it returns (tf.tidy for tfjs). */
  scope<R extends T | T[]>(fn: () => R): R;
  dims(x: T): Dims4;

  conv2d(x: T, weight: ParamRef, options: Conv2dOptions): T;
  batchNorm(x: T, params: BatchNormParams): T;
  /**
   * torch.nn.Linear over the channel axis: y = x·Wᵀ + b on a [N, C] value, and at
   * every position of a [N, C, H, W] map (a Linear applied channels-last, as
   * ConvNeXt's MLP does after its permute).
   */
  linear(x: T, weight: ParamRef, bias?: ParamRef): T;
  activation(x: T, kind: Activation): T;

  add(a: T, b: T): T;
  /** Elementwise product; `b` may be [N, C, 1, 1] to gate channels. */
  mul(a: T, b: T): T;
  /** x * scalar */
  scale(x: T, factor: number): T;
  /** x · γ[c] per channel, γ of torch shape [C] (timm's layer scale, ConvNeXt's `gamma`). */
  channelScale(x: T, gamma: ParamRef): T;
  /**
   * x · weight + bias, both of torch shape [C] (per channel) or [1] (one scalar for every
   * element, timm's LearnableAffineBlock: `scale * x + bias` with [1]-shaped parameters).
   */
  affine(x: T, weight: ParamRef, bias: ParamRef): T;
  /** torch.nn.LeakyReLU(slope): x for x ≥ 0, slope·x below. */
  leakyRelu(x: T, slope: number): T;

  /**
   * LayerNorm over the channel axis at every position: timm's LayerNorm2d on a
   * map, torch.nn.LayerNorm(C) on a [N, C] value. Biased variance, eps inside the root.
   */
  layerNorm(x: T, p: NormParams): T;
  /** torch.nn.GroupNorm(groups, C): statistics over each group's channels and all positions. */
  groupNorm(x: T, p: NormParams, groups: number): T;
  /**
   * ConvNeXt-V2's GlobalResponseNorm on a map: g = ‖x‖₂ over H, W per channel,
   * n = g / (mean over channels of g + eps), y = x + (γ·(x·n) + β).
   */
  grn(x: T, p: NormParams): T;
  /** torch's F.interpolate(scale_factor=factor, mode='nearest') for a whole factor ≥ 1. */
  upsampleNearest(x: T, factor: number): T;

  maxPool2d(x: T, options: Pool2dOptions): T;
  avgPool2d(x: T, options: Pool2dOptions): T;
  /**
   * torch's F.adaptive_avg_pool2d(x, [oh, ow]): output cell i of an axis averages
   * the input cells of poolGeometry's adaptiveBins (either way: up or down).
   */
  adaptiveAvgPool2d(x: T, size: Pair): T;
  /** Mean over H and W: [N, C, 1, 1]. */
  globalAvgPool(x: T): T;
  /** Max over H and W: [N, C, 1, 1]. */
  globalMaxPool(x: T): T;
  /** [N, C, 1, 1] → [N, C] */
  flatten(x: T): T;

  /** Constant padding of the spatial axes: [top, bottom, left, right]. */
  pad2d(x: T, pads: readonly [number, number, number, number], value?: number): T;

  concatChannels(xs: T[]): T;
  splitChannels(x: T, sizes: number[]): T[];

  /**
   * ECA: a 1-D convolution across the channels of a pooled [N, C, 1, 1] value,
   * weight of torch shape [1, 1, k], zero padding (k-1)/2, no bias.
   */
  channelConv1d(x: T, weight: ParamRef): T;
  /**
   * ResNeSt's rSoftMax on a [N, C, 1, 1] value: view(N, cardinality, radix, -1),
   * transpose to radix-major, softmax over radix, flatten back to [N, C, 1, 1].
   */
  radixSoftmax(x: T, radix: number, cardinality: number): T;
}
