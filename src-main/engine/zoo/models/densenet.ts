/**
 * timm `densenet.py`: DenseNet-BC (121, 161, 169, 201).
 *
 * timm builds every norm as BatchNormAct2d (BN followed by ReLU), so "norm" here
 * always means BN + ReLU, including the final `features.norm5`. The whole trunk
 * lives under `features.` (conv0, norm0, pool0, denseblockN, transitionN, norm5).
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** timm's BatchNormAct2d with its default ReLU. */
class NormAct {
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, channels: number) {
    this.bn = new BatchNorm2d(scope, channels);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.activation(this.bn.forward(ops, x), 'relu');
  }
}

/** One dense layer: norm1 → 1×1 conv1 (bottleneck) → norm2 → 3×3 conv2, yielding `growthRate` new channels. */
class DenseLayer {
  private readonly norm1: NormAct;
  private readonly conv1: Conv2d;
  private readonly norm2: NormAct;
  private readonly conv2: Conv2d;

  constructor(scope: Scope, inChs: number, growthRate: number, bnSize: number) {
    const mid = bnSize * growthRate;
    this.norm1 = new NormAct(scope.child('norm1'), inChs);
    this.conv1 = new Conv2d(scope.child('conv1'), inChs, mid, 1);
    this.norm2 = new NormAct(scope.child('norm2'), mid);
    this.conv2 = new Conv2d(scope.child('conv2'), mid, growthRate, 3, { padding: 1 });
  }

  /** `x` is the concatenation of every earlier feature map in the block (timm passes the list and cats it). */
  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv1.forward(ops, this.norm1.forward(ops, x));
    return this.conv2.forward(ops, this.norm2.forward(ops, y));
  }
}

/**
 * A dense block. timm keeps a list [x, f1, f2, …] and each layer cats it afresh;
 * BN acts per channel, so carrying the running concatenation instead gives the same values.
 */
class DenseBlock {
  private readonly layers: DenseLayer[] = [];

  constructor(scope: Scope, numLayers: number, inChs: number, growthRate: number, bnSize: number) {
    for (let i = 0; i < numLayers; i++) {
      this.layers.push(new DenseLayer(scope.child(`denselayer${i + 1}`), inChs + i * growthRate, growthRate, bnSize));
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let feats = x;
    for (const layer of this.layers) {
      const prev = feats;
      feats = ops.scope(() => ops.concatChannels([prev, layer.forward(ops, prev)]));
    }
    return feats;
  }
}

/** Between blocks: norm → 1×1 conv halving channels → 2×2 average pool, stride 2. */
class Transition {
  private readonly norm: NormAct;
  private readonly conv: Conv2d;

  constructor(scope: Scope, inChs: number, outChs: number) {
    this.norm = new NormAct(scope.child('norm'), inChs);
    this.conv = new Conv2d(scope.child('conv'), inChs, outChs, 1);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv.forward(ops, this.norm.forward(ops, x));
    return ops.avgPool2d(y, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: false, countIncludePad: true });
  }
}

export interface DenseNetConfig {
  growthRate: number;
  blockConfig: readonly number[];
  bnSize?: number;
}

export class DenseNet extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly conv0: Conv2d;
  private readonly norm0: NormAct;
  private readonly blocks: DenseBlock[] = [];
  /** transitions[i] runs before blocks[i + 1]. */
  private readonly transitions: Transition[] = [];
  private readonly norm5: NormAct;

  constructor(cfg: DenseNetConfig, args: ModelArgs) {
    super();
    // timm's DenseNet takes no output_stride argument at all (create_model raises TypeError
    // for any value), so only the native stride of 32 exists.
    const features = this.root.child('features');
    const bnSize = cfg.bnSize ?? 4;
    const initChs = cfg.growthRate * 2;
    this.conv0 = new Conv2d(features.child('conv0'), args.inChans, initChs, 7, { stride: 2, padding: 3 });
    this.norm0 = new NormAct(features.child('norm0'), initChs);
    this.featureInfo = [{ numChs: initChs, reduction: 2, module: 'features.norm0' }];

    let chs = initChs;
    let reduction = 4;
    cfg.blockConfig.forEach((numLayers, i) => {
      const name = `denseblock${i + 1}`;
      this.blocks.push(new DenseBlock(features.child(name), numLayers, chs, cfg.growthRate, bnSize));
      chs += numLayers * cfg.growthRate;
      if (i < cfg.blockConfig.length - 1) {
        // The feature point of every block but the last is the block output, before its transition.
        this.featureInfo.push({ numChs: chs, reduction, module: `features.${name}` });
        reduction *= 2;
        const outChs = Math.floor(chs / 2);
        this.transitions.push(new Transition(features.child(`transition${i + 1}`), chs, outChs));
        chs = outChs;
      }
    });
    this.norm5 = new NormAct(features.child('norm5'), chs);
    this.featureInfo.push({ numChs: chs, reduction, module: 'features.norm5' });
    this.numFeatures = chs;
    this.createHead('classifier', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    const last = this.blocks.length - 1;
    return [
      (x) => this.norm0.forward(ops, this.conv0.forward(ops, x)),
      ...this.blocks.map((block, i) => (x: T) => {
        const y = i === 0
          ? ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: false })
          : this.transitions[i - 1].forward(ops, x);
        const out = block.forward(ops, y);
        // The last level is norm5, which follows the last block directly.
        return i === last ? this.norm5.forward(ops, out) : out;
      }),
    ];
  }


}

function entry(name: string, cfg: DenseNetConfig): ModelEntry {
  return {
    name,
    family: 'densenet',
    create: (args) => new DenseNet(cfg, args),
    outputStrides: [32],
    pretrained: pretrainedCfgs(name),
  };
}

export const densenetEntries: ModelEntry[] = [
  entry('densenet121', { growthRate: 32, blockConfig: [6, 12, 24, 16] }),
  entry('densenet161', { growthRate: 48, blockConfig: [6, 12, 36, 24] }),
  entry('densenet169', { growthRate: 32, blockConfig: [6, 12, 32, 32] }),
  entry('densenet201', { growthRate: 32, blockConfig: [6, 12, 48, 32] }),
];
