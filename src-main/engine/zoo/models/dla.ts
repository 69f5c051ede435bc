/**
 * timm `dla.py`: Deep Layer Aggregation (DLA-34/46-C/46X-C/60/60X/102/169).
 *
 * Six levels: a 7×7 stem with level0 (stride 1) and level1 (stride 2) as plain
 * conv levels, then level2–5 as aggregation trees. A tree of depth 1 runs two
 * residual blocks and a root (1×1 conv + BN + ReLU over the concatenation of
 * both blocks' outputs and whatever earlier features were handed down); a
 * deeper tree nests two subtrees and hands its first subtree's output, plus (at
 * a "level root") its own downsampled input, to the root of the last subtree.
 * The res2net variants are not here. timm asserts output_stride == 32, and its
 * classifier is a 1×1 conv (`fc`) after the global pool, flattened only when pooled.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, LevelTap, ModelArgs, ModelEntry } from '../model';
import { assertInputFits } from '../inputSizeCheck';
import type { InputSizeRule } from '../../../../src-shared/inputSizeRule';
import type { Scope } from '../paramRegistry';
import { Conv2d } from '../layers/conv';
import { BatchNorm2d } from '../layers/norm';
import { ConvClassifierHead } from '../layers/convClassifierHead';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** Input sides DLA takes (timm raises for others): 224, 256, 64, 95, 63 …. */
export const DLA_INPUT_RULE: InputSizeRule = {
  sides: { stride: 2, multiple: 16 },
  why: 'each DLA tree adds a strided block’s output (⌈n/2⌉ rows) to a 2×2 max-pooled shortcut (⌊n/2⌋ rows), so level1’s side must halve evenly four times',
};

interface DlaBlock {
  /** `shortcut` defaults to the input, as timm's blocks take it. */
  forward<T>(ops: Ops<T>, x: T, shortcut?: T): T;
}

interface BlockArgs {
  cardinality: number;
  baseWidth: number;
}

type BlockFactory = (scope: Scope, inC: number, outC: number, stride: number, a: BlockArgs) => DlaBlock;

/** timm DlaBasic: two 3×3 conv + BN, ReLU between, residual add, ReLU. */
class DlaBasic implements DlaBlock {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, stride: number) {
    this.conv1 = new Conv2d(scope.child('conv1'), inC, outC, 3, { stride, padding: 1 });
    this.bn1 = new BatchNorm2d(scope.child('bn1'), outC);
    this.conv2 = new Conv2d(scope.child('conv2'), outC, outC, 3, { padding: 1 });
    this.bn2 = new BatchNorm2d(scope.child('bn2'), outC);
  }

  forward<T>(ops: Ops<T>, x: T, shortcut: T = x): T {
    const y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    return ops.activation(ops.add(this.bn2.forward(ops, this.conv2.forward(ops, y)), shortcut), 'relu');
  }
}

/** timm DlaBottleneck (expansion 2): 1×1 → grouped 3×3 (strided) → 1×1, residual add, ReLU. */
class DlaBottleneck implements DlaBlock {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, stride: number, a: BlockArgs) {
    const mid = Math.floor((Math.floor(outC * (a.baseWidth / 64)) * a.cardinality) / 2);
    this.conv1 = new Conv2d(scope.child('conv1'), inC, mid, 1);
    this.bn1 = new BatchNorm2d(scope.child('bn1'), mid);
    this.conv2 = new Conv2d(scope.child('conv2'), mid, mid, 3, { stride, padding: 1, groups: a.cardinality });
    this.bn2 = new BatchNorm2d(scope.child('bn2'), mid);
    this.conv3 = new Conv2d(scope.child('conv3'), mid, outC, 1);
    this.bn3 = new BatchNorm2d(scope.child('bn3'), outC);
  }

  forward<T>(ops: Ops<T>, x: T, shortcut: T = x): T {
    let y = ops.activation(this.bn1.forward(ops, this.conv1.forward(ops, x)), 'relu');
    y = ops.activation(this.bn2.forward(ops, this.conv2.forward(ops, y)), 'relu');
    return ops.activation(ops.add(this.bn3.forward(ops, this.conv3.forward(ops, y)), shortcut), 'relu');
  }
}

const dlaBasic: BlockFactory = (s, i, o, stride) => new DlaBasic(s, i, o, stride);
const dlaBottleneck: BlockFactory = (s, i, o, stride, a) => new DlaBottleneck(s, i, o, stride, a);

/** timm DlaRoot: 1×1 conv over the concatenated children, BN, (+ first child), ReLU. */
class DlaRoot {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(scope: Scope, inC: number, outC: number, private readonly shortcut: boolean) {
    this.conv = new Conv2d(scope.child('conv'), inC, outC, 1);
    this.bn = new BatchNorm2d(scope.child('bn'), outC);
  }

  forward<T>(ops: Ops<T>, children: T[]): T {
    let y = this.bn.forward(ops, this.conv.forward(ops, ops.concatChannels(children)));
    if (this.shortcut) y = ops.add(y, children[0]);
    return ops.activation(y, 'relu');
  }
}

interface TreeOptions extends BlockArgs {
  levelRoot?: boolean;
  /** Channels of the root's input; 0 is timm's default, 2 · outC (+ inC at a level root). */
  rootDim?: number;
  rootShortcut: boolean;
}

/** timm DlaTree. A leaf (levels 1) holds two blocks and the root; a deeper tree holds two subtrees. */
class DlaTree {
  private readonly stride: number;
  private readonly levelRoot: boolean;
  private readonly project?: { conv: Conv2d; bn: BatchNorm2d };
  private readonly leaf?: { tree1: DlaBlock; tree2: DlaBlock; root: DlaRoot };
  private readonly inner?: { tree1: DlaTree; tree2: DlaTree };

  constructor(scope: Scope, levels: number, block: BlockFactory, inC: number, outC: number, stride: number, o: TreeOptions) {
    this.stride = stride;
    this.levelRoot = o.levelRoot ?? false;
    let rootDim = o.rootDim || 2 * outC;
    if (this.levelRoot) rootDim += inC;
    const sub = { cardinality: o.cardinality, baseWidth: o.baseWidth, rootShortcut: o.rootShortcut };
    if (levels === 1) {
      // timm keeps the projection only here (the official weights' unused deeper ones are dropped).
      if (inC !== outC) {
        const p = scope.child('project');
        this.project = { conv: new Conv2d(p.child(0), inC, outC, 1), bn: new BatchNorm2d(p.child(1), outC) };
      }
      this.leaf = {
        tree1: block(scope.child('tree1'), inC, outC, stride, o),
        tree2: block(scope.child('tree2'), outC, outC, 1, o),
        root: new DlaRoot(scope.child('root'), rootDim, outC, o.rootShortcut),
      };
    } else {
      this.inner = {
        tree1: new DlaTree(scope.child('tree1'), levels - 1, block, inC, outC, stride, { ...sub, rootDim: 0 }),
        tree2: new DlaTree(scope.child('tree2'), levels - 1, block, outC, outC, 1, { ...sub, rootDim: rootDim + outC }),
      };
    }
  }

  /** `children`: the earlier features this tree's root also aggregates (timm's list, in its order). */
  forward<T>(ops: Ops<T>, x: T, children: readonly T[] = []): T {
    const needBottom = this.leaf !== undefined || this.levelRoot;
    const bottom = needBottom && this.stride > 1 ? ops.maxPool2d(x, { kernel: [this.stride, this.stride], stride: [this.stride, this.stride], padding: [0, 0], ceilMode: false }) : x;
    const kids = this.levelRoot ? [...children, bottom] : [...children];
    if (this.leaf) {
      const { tree1, tree2, root } = this.leaf;
      const p = this.project;
      const shortcut = p ? p.bn.forward(ops, p.conv.forward(ops, bottom)) : bottom;
      const x1 = ops.scope(() => tree1.forward(ops, x, shortcut));
      const x2 = ops.scope(() => tree2.forward(ops, x1));
      return ops.scope(() => root.forward(ops, [x2, x1, ...kids]));
    }
    const { tree1, tree2 } = this.inner as { tree1: DlaTree; tree2: DlaTree };
    const x1 = ops.scope(() => tree1.forward(ops, x));
    return tree2.forward(ops, x1, [...kids, x1]);
  }
}

/** level0/level1: `convs` × (3×3 conv, BN, ReLU), keys 0/1, 3/4, …; the first conv carries the stride. */
class ConvLevel {
  private readonly layers: Array<{ conv: Conv2d; bn: BatchNorm2d }> = [];

  constructor(scope: Scope, inC: number, outC: number, convs: number, stride: number) {
    for (let i = 0; i < convs; i++) {
      this.layers.push({
        conv: new Conv2d(scope.child(3 * i), i === 0 ? inC : outC, outC, 3, { stride: i === 0 ? stride : 1, padding: 1 }),
        bn: new BatchNorm2d(scope.child(3 * i + 1), outC),
      });
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return this.layers.reduce((y, l) => ops.activation(l.bn.forward(ops, l.conv.forward(ops, y)), 'relu'), x);
  }
}

export interface DlaConfig {
  levels: readonly [number, number, number, number, number, number];
  channels: readonly [number, number, number, number, number, number];
  block: BlockFactory;
  cardinality?: number;
  baseWidth?: number;
  shortcutRoot?: boolean;
}

export class Dla extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly baseConv: Conv2d;
  private readonly baseBn: BatchNorm2d;
  private readonly level0: ConvLevel;
  private readonly level1: ConvLevel;
  private readonly trees: DlaTree[] = [];

  constructor(cfg: DlaConfig, args: ModelArgs) {
    super();
    const ch = cfg.channels;
    const base = this.root.child('base_layer');
    this.baseConv = new Conv2d(base.child(0), args.inChans, ch[0], 7, { padding: 3 });
    this.baseBn = new BatchNorm2d(base.child(1), ch[0]);
    this.level0 = new ConvLevel(this.root.child('level0'), ch[0], ch[0], cfg.levels[0], 1);
    this.level1 = new ConvLevel(this.root.child('level1'), ch[0], ch[1], cfg.levels[1], 2);
    const o = { cardinality: cfg.cardinality ?? 1, baseWidth: cfg.baseWidth ?? 64, rootShortcut: cfg.shortcutRoot ?? false };
    for (let l = 2; l < 6; l++) {
      this.trees.push(new DlaTree(this.root.child(`level${l}`), cfg.levels[l], cfg.block, ch[l - 1], ch[l], 2, { ...o, levelRoot: l > 2 }));
    }
    this.featureInfo = ch.map((numChs, l) => ({ numChs, reduction: 2 ** l, module: `level${l}` }));
    this.numFeatures = ch[5];
    this.head = new ConvClassifierHead(this.root.child('fc'), this.numFeatures, args.numClasses, args.globalPool);
  }

  /** timm raises in level2–5's residual adds when a side does not halve evenly; this says why, before any work. */
  override forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[] {
    const { h, w } = ops.dims(x);
    assertInputFits(DLA_INPUT_RULE, [h, w]);
    return super.forwardLevels(ops, x, levels, tap);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return [
      (x) => this.level0.forward(ops, ops.activation(this.baseBn.forward(ops, this.baseConv.forward(ops, x)), 'relu')),
      (x) => this.level1.forward(ops, x),
      ...this.trees.map((tree) => (x: T): T => tree.forward(ops, x)),
    ];
  }
}

function entry(name: string, cfg: DlaConfig): ModelEntry {
  return {
    name,
    family: 'dla',
    create: (args) => new Dla(cfg, args),
    // timm: `assert output_stride == 32` (no dilation support), with or without features_only.
    outputStrides: [32],
    defaultOutIndices: [1, 2, 3, 4, 5],
    inputSizeRule: DLA_INPUT_RULE,
    convClassifier: true,
    pretrained: pretrainedCfgs(name),
  };
}

const narrow = [16, 32, 64, 64, 128, 256] as const;
const wide = [16, 32, 128, 256, 512, 1024] as const;

export const dlaEntries: ModelEntry[] = [
  entry('dla34', { levels: [1, 1, 1, 2, 2, 1], channels: [16, 32, 64, 128, 256, 512], block: dlaBasic }),
  entry('dla46_c', { levels: [1, 1, 1, 2, 2, 1], channels: narrow, block: dlaBottleneck }),
  entry('dla46x_c', { levels: [1, 1, 1, 2, 2, 1], channels: narrow, block: dlaBottleneck, cardinality: 32, baseWidth: 4 }),
  entry('dla60', { levels: [1, 1, 1, 2, 3, 1], channels: wide, block: dlaBottleneck }),
  entry('dla60x', { levels: [1, 1, 1, 2, 3, 1], channels: wide, block: dlaBottleneck, cardinality: 32, baseWidth: 4 }),
  entry('dla102', { levels: [1, 1, 1, 3, 4, 1], channels: wide, block: dlaBottleneck, shortcutRoot: true }),
  entry('dla169', { levels: [1, 1, 2, 3, 5, 1], channels: wide, block: dlaBottleneck, shortcutRoot: true }),
];
