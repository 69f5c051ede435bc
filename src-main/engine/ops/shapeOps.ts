import type { BatchNormParams, Conv2dOptions, Dims4, NormParams, Ops, Pair, ParamRef, Pool2dOptions } from './ops';
import { convLength, planPool } from './poolGeometry';

/**
 * An executor of the op layer that only tracks shapes: runs a model
 * symbolically to tell a level's output shape for any input size in
 * microseconds, with no weights.
 */
export class ShapeOps implements Ops<Dims4> {
  scope<R extends Dims4 | Dims4[]>(fn: () => R): R {
    return fn();
  }

  dims(x: Dims4): Dims4 {
    return x;
  }

  conv2d(x: Dims4, weight: ParamRef, o: Conv2dOptions): Dims4 {
    const [outC, , kh, kw] = weight.shape;
    return {
      n: x.n,
      c: outC,
      h: convLength(x.h, kh, o.stride[0], o.padding[0], o.dilation[0]),
      w: convLength(x.w, kw, o.stride[1], o.padding[1], o.dilation[1]),
    };
  }

  batchNorm(x: Dims4, _p: BatchNormParams): Dims4 {
    return x;
  }

  linear(x: Dims4, weight: ParamRef): Dims4 {
    return { ...x, c: weight.shape[0] };
  }

  activation(x: Dims4): Dims4 {
    return x;
  }

  add(a: Dims4): Dims4 {
    return a;
  }

  mul(a: Dims4): Dims4 {
    return a;
  }

  scale(x: Dims4): Dims4 {
    return x;
  }

  channelScale(x: Dims4): Dims4 {
    return x;
  }

  affine(x: Dims4): Dims4 {
    return x;
  }

  leakyRelu(x: Dims4): Dims4 {
    return x;
  }

  layerNorm(x: Dims4, _p: NormParams): Dims4 {
    return x;
  }

  groupNorm(x: Dims4, _p: NormParams, groups: number): Dims4 {
    if (x.c % groups) throw new Error(`GroupNorm: ${x.c} channels do not split into ${groups} groups`);
    return x;
  }

  grn(x: Dims4, _p: NormParams): Dims4 {
    return x;
  }

  upsampleNearest(x: Dims4, factor: number): Dims4 {
    if (!Number.isInteger(factor) || factor < 1) throw new Error(`nearest upsampling needs a whole factor ≥ 1, got ${factor}`);
    return { ...x, h: x.h * factor, w: x.w * factor };
  }

  private pool(x: Dims4, o: Pool2dOptions): Dims4 {
    const { oh, ow } = planPool(x.h, x.w, o);
    return { ...x, h: oh, w: ow };
  }

  maxPool2d(x: Dims4, o: Pool2dOptions): Dims4 {
    return this.pool(x, o);
  }

  avgPool2d(x: Dims4, o: Pool2dOptions): Dims4 {
    return this.pool(x, o);
  }

  adaptiveAvgPool2d(x: Dims4, size: Pair): Dims4 {
    return { ...x, h: size[0], w: size[1] };
  }

  globalAvgPool(x: Dims4): Dims4 {
    return { ...x, h: 1, w: 1 };
  }

  globalMaxPool(x: Dims4): Dims4 {
    return { ...x, h: 1, w: 1 };
  }

  flatten(x: Dims4): Dims4 {
    return { ...x, h: 1, w: 1 };
  }

  pad2d(x: Dims4, pads: readonly [number, number, number, number]): Dims4 {
    return { ...x, h: x.h + pads[0] + pads[1], w: x.w + pads[2] + pads[3] };
  }

  concatChannels(xs: Dims4[]): Dims4 {
    return { ...xs[0], c: xs.reduce((s, x) => s + x.c, 0) };
  }

  splitChannels(x: Dims4, sizes: number[]): Dims4[] {
    return sizes.map((c) => ({ ...x, c }));
  }

  channelConv1d(x: Dims4): Dims4 {
    return x;
  }

  radixSoftmax(x: Dims4): Dims4 {
    return x;
  }
}
