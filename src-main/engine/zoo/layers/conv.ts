import type { Ops, ParamRef, Pair } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { conv2dSame } from '../../ops/samePadding';

export interface ConvOptions {
  stride?: number | Pair;
  /**
   * Default: timm's get_padding, ((stride - 1) + dilation * (k - 1)) // 2.
   * 'same' is timm's get_padding_value('same'): that symmetric padding where it is
   * static (stride 1 and an even dilation·(k − 1) on both axes), else Conv2dSame's
   * dynamic TF 'SAME' padding worked out from each input size.
   */
  padding?: number | Pair | 'same';
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

export const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

/** timm's is_static_pad: 'same' padding that does not depend on the input size. */
export function isStaticPad(kernel: number, stride = 1, dilation = 1): boolean {
  return stride === 1 && (dilation * (kernel - 1)) % 2 === 0;
}

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
  /** timm Conv2dSame: pad each input TF-'SAME' style at run time (padding is then 0). */
  readonly dynamicSame: boolean;

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
    const symmetric: Pair = [getPadding(k[0], this.stride[0], this.dilation[0]), getPadding(k[1], this.stride[1], this.dilation[1])];
    this.dynamicSame = o.padding === 'same' && ![0, 1].every((i) => isStaticPad(k[i], this.stride[i], this.dilation[i]));
    if (o.padding === undefined || o.padding === 'same') this.padding = this.dynamicSame ? [0, 0] : symmetric;
    else this.padding = pair(o.padding);
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`${scope.name}: channels ${inChannels}→${outChannels} not divisible by groups ${this.groups}`);
    }
    this.weight = scope.param('weight', [outChannels, inChannels / this.groups, k[0], k[1]]);
    if (o.bias) this.bias = scope.param('bias', [outChannels]);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    if (this.dynamicSame) return conv2dSame(ops, x, this.weight, { stride: this.stride, dilation: this.dilation, groups: this.groups, bias: this.bias });
    return ops.conv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias,
    });
  }
}
