import type { Ops, ParamRef, Pair } from '../../ops/ops';
import type { Scope } from '../paramRegistry';

export interface ConvOptions {
  stride?: number | Pair;
  /** Default: timm's get_padding, ((stride - 1) + dilation * (k - 1)) // 2. */
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

export const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

/** timm's get_padding: symmetric padding that keeps size/stride for odd kernels. */
export function getPadding(kernel: number, stride = 1, dilation = 1): number {
  return Math.floor((stride - 1 + dilation * (kernel - 1)) / 2);
}

/** torch.nn.Conv2d: weight [out, in/groups, kh, kw], optional bias. */
export class Conv2d {
  readonly weight: ParamRef;
  readonly bias?: ParamRef;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;

  constructor(
    scope: Scope,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: number | Pair,
    o: ConvOptions = {},
  ) {
    const k = pair(kernel);
    this.stride = pair(o.stride ?? 1);
    this.dilation = pair(o.dilation ?? 1);
    this.groups = o.groups ?? 1;
    this.padding = o.padding !== undefined
      ? pair(o.padding)
      : [getPadding(k[0], this.stride[0], this.dilation[0]), getPadding(k[1], this.stride[1], this.dilation[1])];
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`${scope.name}: channels ${inChannels}→${outChannels} not divisible by groups ${this.groups}`);
    }
    this.weight = scope.param('weight', [outChannels, inChannels / this.groups, k[0], k[1]]);
    if (o.bias) this.bias = scope.param('bias', [outChannels]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.conv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias,
    });
  }
}
