/**
 * timm `vgg.py`: VGG 11/13/16/19, plain and with BatchNorm (the `_bn` variants).
 *
 * The trunk is one flat nn.Sequential, `features.N`: per cfg entry a 3×3 conv
 * (+ BN) + ReLU, or a 2×2 max pool. timm's feature_info puts a level at the
 * ReLU before every pool (so the first is at reduction 1) and one more at the
 * final pool: six levels. The head is timm's ConvMlp (`pre_logits`: the old
 * fully connected layers as a 7×7 and a 1×1 conv) followed by a ClassifierHead
 * (`head.fc`).
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { ClassifierHead, type Head } from '../layers/classifier';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** timm's cfgs: conv widths, 'M' for a max pool. */
type VggCfg = ReadonlyArray<number | 'M'>;

const cfgs: Record<'vgg11' | 'vgg13' | 'vgg16' | 'vgg19', VggCfg> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

const POOL = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: false } as const;

/** One 3×3 conv (padding 1, with bias), its optional BatchNorm, and the ReLU. */
class ConvLayer {
  private readonly conv: Conv2d;
  private readonly bn?: BatchNorm2d;

  constructor(features: Scope, index: number, inChs: number, outChs: number, useNorm: boolean) {
    this.conv = new Conv2d(features.child(index), inChs, outChs, 3, { padding: 1, bias: true });
    if (useNorm) this.bn = new BatchNorm2d(features.child(index + 1), outChs);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const y = this.conv.forward(ops, x);
    return ops.activation(this.bn ? this.bn.forward(ops, y) : y, 'relu');
  }
}

/**
 * timm's ConvMlp: fc1 (k×k conv, no padding) → ReLU → dropout → fc2 (1×1) → ReLU.
 * A map smaller than k×k on either side is first adaptive-average-pooled up to
 * (max(k, H), max(k, W)), so any input ≥ 32 px gives at least one output cell.
 */
class ConvMlp {
  private readonly fc1: Conv2d;
  private readonly fc2: Conv2d;

  constructor(scope: Scope, inChs: number, outChs: number, private readonly kernel: number) {
    this.fc1 = new Conv2d(scope.child('fc1'), inChs, outChs, kernel, { padding: 0, bias: true });
    this.fc2 = new Conv2d(scope.child('fc2'), outChs, outChs, 1, { padding: 0, bias: true });
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const { h, w } = ops.dims(x);
    const k = this.kernel;
    const y = h < k || w < k ? ops.adaptiveAvgPool2d(x, [Math.max(k, h), Math.max(k, w)]) : x;
    // Dropout is the identity in eval.
    const hidden = ops.activation(this.fc1.forward(ops, y), 'relu');
    return ops.activation(this.fc2.forward(ops, hidden), 'relu');
  }
}

/**
 * VGG's forward_head: pre_logits (ConvMlp), then timm's ClassifierHead (pool →
 * Linear at head.fc). pre_logits stays on reset_classifier and with
 * num_classes=0, as in timm; forward_head(pre_logits=True) is the pooled ConvMlp output.
 */
class VggHead implements Head {
  private readonly mlp: ConvMlp;
  private readonly classifier: ClassifierHead;

  constructor(root: Scope, inChs: number, hiddenSize: number, numClasses: number, globalPool: string) {
    this.mlp = new ConvMlp(root.child('pre_logits'), inChs, hiddenSize, 7);
    this.classifier = new ClassifierHead(root.child('head').child('fc'), hiddenSize, numClasses, globalPool);
  }

  get numClasses(): number {
    return this.classifier.numClasses;
  }

  get pool(): string {
    return this.classifier.pool;
  }

  forward<T>(ops: Ops<T>, x: T, preLogits: boolean): T {
    return this.classifier.forward(ops, this.mlp.forward(ops, x), preLogits);
  }

  reset(numClasses: number, globalPool: string): void {
    this.classifier.reset(numClasses, globalPool);
  }
}

export class Vgg extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) → ClassifierHead.reset keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[] = [];
  readonly numFeatures: number;
  /** blocks[i]: the convs of level i (between pool i−1 and pool i); the last level is the final pool alone. */
  private readonly blocks: ConvLayer[][] = [[]];

  constructor(cfg: VggCfg, useNorm: boolean, args: ModelArgs) {
    super();
    // output_stride: timm asserts 32; the registry entry states it, the builder refuses the rest.
    const features = this.root.child('features');
    let chs = args.inChans;
    let reduction = 1;
    let index = 0; // the next nn.Sequential index
    for (const v of cfg) {
      if (v === 'M') {
        this.featureInfo.push({ numChs: chs, reduction, module: `features.${index - 1}` });
        this.blocks.push([]);
        index += 1;
        reduction *= 2;
      } else {
        this.blocks[this.blocks.length - 1].push(new ConvLayer(features, index, chs, v, useNorm));
        index += useNorm ? 3 : 2;
        chs = v;
      }
    }
    this.featureInfo.push({ numChs: chs, reduction, module: `features.${index - 1}` });
    this.numFeatures = chs;
    this.head = new VggHead(this.root, chs, 4096, args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.blocks.map((block, i) => (x: T) => {
      let y = i === 0 ? x : ops.maxPool2d(x, POOL);
      for (const layer of block) y = layer.forward(ops, y);
      return y;
    });
  }
}

function entry(name: keyof typeof cfgs, useNorm: boolean): ModelEntry {
  const fullName = useNorm ? `${name}_bn` : name;
  return {
    name: fullName,
    family: 'vgg',
    create: (args) => new Vgg(cfgs[name], useNorm, args),
    outputStrides: [32],
    pretrained: pretrainedCfgs(fullName),
  };
}

export const vggEntries: ModelEntry[] = [
  entry('vgg11', false),
  entry('vgg13', false),
  entry('vgg16', false),
  entry('vgg19', false),
  entry('vgg11', true),
  entry('vgg13', true),
  entry('vgg16', true),
  entry('vgg19', true),
];
