/**
 * timm `rexnet.py`: ReXNet (`rexnet_100`, `rexnet_130`, `rexnet_150`). A stem 3×3/2
 * ConvNormAct, sixteen LinearBottlenecks whose output widths grow by the same step from
 * block to block (16 → 16 + 180 in sixteen steps, times the width multiplier), then a 1×1
 * ConvNormAct to 1280·width and timm's ClassifierHead (`head.fc`).
 *
 * A LinearBottleneck is MobileNet-V2's inverted residual — 1×1 expansion (SiLU), depthwise
 * 3×3 (no act), SE with a BatchNorm inside, ReLU6, 1×1 linear projection — whose residual adds
 * the input to the first in_chs output channels only, since the block widens.
 *
 * Feature levels are the outputs of the blocks just before each stride-2 block (the stem for
 * the first), then the last block; output_stride 16 / 8 turn later strides into dilation,
 * the strided block keeping its old dilation (and losing its shortcut), as timm does.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { ConvNormAct } from '../layers/convNormAct';
import { SEModule } from '../layers/attention';
import { makeDivisible } from '../layers/helpers';
import { pyRound } from '../layers/efficientnetBlocks';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

interface RexNetConfig {
  widthMult: number;
  depthMult?: number;
  initialChs?: number;
  finalChs?: number;
  seRatio?: number;
  chDiv?: number;
}

/** One row of timm's _block_cfg: output width, expansion ratio, stride, SE ratio. */
interface BlockCfg {
  chs: number;
  expRatio: number;
  stride: number;
  seRatio: number;
}

/** timm _block_cfg: per block, widths growing linearly from initial_chs by final_chs over the depth. */
function blockCfg(c: Required<RexNetConfig>): BlockCfg[] {
  const layers = [1, 2, 2, 3, 3, 5].map((n) => Math.ceil(n * c.depthMult));
  const baseStrides = [1, 2, 2, 2, 1, 2];
  const strides = layers.flatMap((n, i) => [baseStrides[i], ...Array<number>(n - 1).fill(1)]);
  const total = layers.reduce((a, b) => a + b, 0);
  const expRatios = [...Array<number>(layers[0]).fill(1), ...Array<number>(total - layers[0]).fill(6)];
  const seRatios = [...Array<number>(layers[0] + layers[1]).fill(0), ...Array<number>(total - layers[0] - layers[1]).fill(c.seRatio)];
  // timm: depth = sum(layers) * 3, and the step is final_chs / (depth // 3 * 1.0).
  let baseChs = c.widthMult < 1.0 ? c.initialChs / c.widthMult : c.initialChs;
  const out: BlockCfg[] = [];
  for (let i = 0; i < total; i++) {
    out.push({ chs: makeDivisible(pyRound(baseChs * c.widthMult), c.chDiv), expRatio: expRatios[i], stride: strides[i], seRatio: seRatios[i] });
    baseChs += c.finalChs / total;
  }
  return out;
}

/** timm's LinearBottleneck (eval: drop path is the identity). */
class LinearBottleneck {
  private readonly convExp?: ConvNormAct;
  private readonly convDw: ConvNormAct;
  private readonly se?: SEModule;
  private readonly convPwl: ConvNormAct;
  private readonly useShortcut: boolean;

  constructor(
    scope: Scope,
    private readonly inChs: number,
    private readonly outChs: number,
    stride: number,
    dilation: readonly [number, number],
    expRatio: number,
    seRatio: number,
    chDiv: number,
  ) {
    this.useShortcut = stride === 1 && dilation[0] === dilation[1] && inChs <= outChs;
    let dwChs = inChs;
    if (expRatio !== 1) {
      dwChs = makeDivisible(pyRound(inChs * expRatio), chDiv);
      this.convExp = new ConvNormAct(scope.child('conv_exp'), inChs, dwChs, 1, { act: 'silu' });
    }
    // As timm: the depthwise conv runs at the dilation the block was reached with.
    this.convDw = new ConvNormAct(scope.child('conv_dw'), dwChs, dwChs, 3, { stride, dilation: dilation[0], groups: dwChs, act: 'identity' });
    if (seRatio > 0) {
      this.se = new SEModule(scope.child('se'), dwChs, { rdChannels: makeDivisible(Math.trunc(dwChs * seRatio), chDiv), norm: true });
    }
    this.convPwl = new ConvNormAct(scope.child('conv_pwl'), dwChs, outChs, 1, { act: 'identity' });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.convExp ? this.convExp.forward(ops, x) : x;
    y = this.convDw.forward(ops, y);
    if (this.se) y = this.se.forward(ops, y);
    y = this.convPwl.forward(ops, ops.activation(y, 'relu6'));
    if (!this.useShortcut) return y;
    if (this.outChs === this.inChs) return ops.add(y, x);
    // cat([x[:, :in_chs] + shortcut, x[:, in_chs:]]): the shortcut meets the first in_chs channels.
    const [head, tail] = ops.splitChannels(y, [this.inChs, this.outChs - this.inChs]);
    return ops.concatChannels([ops.add(head, x), tail]);
  }
}

interface Runnable {
  forward<T>(ops: Ops<T>, x: T): T;
}

export class RexNet extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) keeps the head's pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  private readonly stem: ConvNormAct;
  /** features.0 … features.N (the last is the 1×1 ConvNormAct to the head width). */
  private readonly features: Runnable[] = [];
  /** Per feature level: the index of its last block in `features` (−1: the stem). */
  private readonly levelEnds: number[] = [];

  constructor(cfg: RexNetConfig, args: ModelArgs) {
    super();
    const c: Required<RexNetConfig> = { depthMult: 1, initialChs: 16, finalChs: 180, seRatio: 1 / 12, chDiv: 1, ...cfg };
    const stemBase = c.widthMult < 1.0 ? 32 / c.widthMult : 32;
    const stemChs = makeDivisible(pyRound(stemBase * c.widthMult), c.chDiv);
    this.stem = new ConvNormAct(this.root.child('stem'), args.inChans, stemChs, 3, { stride: 2, act: 'silu' });

    const featScope = this.root.child('features');
    let prevChs = stemChs;
    let currStride = 2;
    let dilation = 1;
    blockCfg(c).forEach((b, i) => {
      let stride = b.stride;
      let nextDilation = dilation;
      if (stride > 1) {
        this.featureInfo.push({ numChs: prevChs, reduction: currStride, module: i === 0 ? 'stem' : `features.${i - 1}` });
        this.levelEnds.push(i - 1);
        if (currStride >= args.outputStride) {
          nextDilation = dilation * stride;
          stride = 1;
        }
      }
      this.features.push(new LinearBottleneck(featScope.child(i), prevChs, b.chs, stride, [dilation, nextDilation], b.expRatio, b.seRatio, c.chDiv));
      currStride *= stride;
      dilation = nextDilation;
      prevChs = b.chs;
    });
    const last = this.features.length - 1;
    this.featureInfo.push({ numChs: prevChs, reduction: currStride, module: `features.${last}` });
    this.levelEnds.push(last);
    this.numFeatures = makeDivisible(1280 * c.widthMult, c.chDiv);
    this.features.push(new ConvNormAct(featScope.child(last + 1), prevChs, this.numFeatures, 1, { act: 'silu' }));
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  private run<T>(ops: Ops<T>, x: T, from: number, to: number): T {
    let y = x;
    for (let i = from; i <= to; i++) {
      const block = this.features[i];
      y = ops.scope(() => block.forward(ops, y));
    }
    return y;
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.levelEnds.map((end, i) => (x: T) => {
      const y = i === 0 ? this.stem.forward(ops, x) : x;
      return this.run(ops, y, i === 0 ? 0 : this.levelEnds[i - 1] + 1, end);
    });
  }

  protected override featuresTail<T>(ops: Ops<T>, x: T): T {
    return this.run(ops, x, this.features.length - 1, this.features.length - 1);
  }
}

function entry(name: string, widthMult: number): ModelEntry {
  return {
    name,
    family: 'rexnet',
    create: (args) => new RexNet({ widthMult }, args),
    // timm asserts output_stride in (32, 16, 8).
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

export const rexnetEntries: ModelEntry[] = [entry('rexnet_100', 1.0), entry('rexnet_130', 1.3), entry('rexnet_150', 1.5)];
