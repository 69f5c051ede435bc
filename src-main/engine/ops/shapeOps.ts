import type { BatchNormParams, Conv2dOptions, Dims4, Ops, ParamRef, Pool2dOptions } from './ops';
import { convLength, pooledLength } from './poolGeometry';

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
    return { n: x.n, c: weight.shape[0], h: 1, w: 1 };
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

  private pool(x: Dims4, o: Pool2dOptions): Dims4 {
    return {
      ...x,
      h: pooledLength(x.h, o.kernel[0], o.stride[0], o.padding[0], o.ceilMode),
      w: pooledLength(x.w, o.kernel[1], o.stride[1], o.padding[1], o.ceilMode),
    };
  }

  maxPool2d(x: Dims4, o: Pool2dOptions): Dims4 {
    return this.pool(x, o);
  }

  avgPool2d(x: Dims4, o: Pool2dOptions): Dims4 {
    return this.pool(x, o);
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
