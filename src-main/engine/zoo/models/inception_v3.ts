/**
 * timm `inception_v3.py`: Inception-V3 (torchvision's layout, timm's keys). Every conv is a
 * ConvNormAct (conv → BatchNorm eps 1e-3 → ReLU) with no padding unless a branch asks for it,
 * so the stem's valid 3×3 convs and the stride-2 reductions give the odd map sizes
 * 299 → 149 → 147 → 73 → 71 → 35 → 17 → 8. Each "Mixed" module runs parallel branches
 * (1×1, 5×5 or factorised 1×7/7×1, double 3×3, a pooled 1×1) and concatenates them.
 *
 * timm's InceptionV3 takes no output_stride argument (create_model raises TypeError for any
 * value, with or without features_only), and the aux classifier (aux_logits) is not ported:
 * it is off by default and features_only refuses it. Below 75 px a side the valid convs leave
 * no pixel for Mixed_7a, so smaller inputs are refused.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import type { Scope } from '../paramRegistry';
import { ConvNormAct } from '../layers/convNormAct';
import type { ConvOptions } from '../layers/conv';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';
import { assertInputFits } from '../inputSizeCheck';
import type { InputSizeRule } from '../../../../src-shared/inputSizeRule';

/** The smallest input side that reaches the last level (Mixed_7a's valid stride-2 3×3 needs 3 px); timm raises below. */
export const INCEPTION_V3_INPUT_RULE: InputSizeRule = {
  minSide: 75,
  why: 'Inception-V3’s unpadded convs and pools leave its last reduction (Mixed_7a) no pixel below 75',
};

/** timm's conv_block: ConvNormAct with padding 0 by default, BatchNorm eps 1e-3, ReLU. */
function convBlock(scope: Scope, inC: number, outC: number, kernel: number | readonly [number, number], o: ConvOptions = {}): ConvNormAct {
  return new ConvNormAct(scope, inC, outC, kernel, { padding: 0, ...o, eps: 1e-3, act: 'relu' });
}

const maxPool3s2 = <T>(ops: Ops<T>, x: T): T => ops.maxPool2d(x, { kernel: [3, 3], stride: [2, 2], padding: [0, 0], ceilMode: false });
/** F.avg_pool2d(x, 3, stride=1, padding=1): torch's count_include_pad=True default. */
const avgPool3s1 = <T>(ops: Ops<T>, x: T): T =>
  ops.avgPool2d(x, { kernel: [3, 3], stride: [1, 1], padding: [1, 1], ceilMode: false, countIncludePad: true });

interface Module {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** Runs convs one after another. */
const chain = <T>(ops: Ops<T>, x: T, convs: readonly ConvNormAct[]): T => convs.reduce((y, c) => c.forward(ops, y), x);

/** 35×35 module: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg pool→1×1. */
class InceptionA implements Module {
  private readonly b1: ConvNormAct;
  private readonly b5: ConvNormAct[];
  private readonly b3: ConvNormAct[];
  private readonly pool: ConvNormAct;

  constructor(s: Scope, inC: number, poolFeatures: number) {
    this.b1 = convBlock(s.child('branch1x1'), inC, 64, 1);
    this.b5 = [convBlock(s.child('branch5x5_1'), inC, 48, 1), convBlock(s.child('branch5x5_2'), 48, 64, 5, { padding: 2 })];
    this.b3 = [
      convBlock(s.child('branch3x3dbl_1'), inC, 64, 1),
      convBlock(s.child('branch3x3dbl_2'), 64, 96, 3, { padding: 1 }),
      convBlock(s.child('branch3x3dbl_3'), 96, 96, 3, { padding: 1 }),
    ];
    this.pool = convBlock(s.child('branch_pool'), inC, poolFeatures, 1);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.concatChannels([this.b1.forward(ops, x), chain(ops, x, this.b5), chain(ops, x, this.b3), this.pool.forward(ops, avgPool3s1(ops, x))]);
  }
}

/** 35 → 17 reduction: 3×3/2 | 1×1→3×3→3×3/2 | max pool 3×3/2. */
class InceptionB implements Module {
  private readonly b3: ConvNormAct;
  private readonly b3dbl: ConvNormAct[];

  constructor(s: Scope, inC: number) {
    this.b3 = convBlock(s.child('branch3x3'), inC, 384, 3, { stride: 2 });
    this.b3dbl = [
      convBlock(s.child('branch3x3dbl_1'), inC, 64, 1),
      convBlock(s.child('branch3x3dbl_2'), 64, 96, 3, { padding: 1 }),
      convBlock(s.child('branch3x3dbl_3'), 96, 96, 3, { stride: 2 }),
    ];
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.concatChannels([this.b3.forward(ops, x), chain(ops, x, this.b3dbl), maxPool3s2(ops, x)]);
  }
}

const k1x7 = [1, 7] as const;
const k7x1 = [7, 1] as const;
const p1x7: ConvOptions = { padding: [0, 3] };
const p7x1: ConvOptions = { padding: [3, 0] };

/** 17×17 module with 7×7 convs factorised into 1×7 and 7×1. */
class InceptionC implements Module {
  private readonly b1: ConvNormAct;
  private readonly b7: ConvNormAct[];
  private readonly b7dbl: ConvNormAct[];
  private readonly pool: ConvNormAct;

  constructor(s: Scope, inC: number, c7: number) {
    this.b1 = convBlock(s.child('branch1x1'), inC, 192, 1);
    this.b7 = [
      convBlock(s.child('branch7x7_1'), inC, c7, 1),
      convBlock(s.child('branch7x7_2'), c7, c7, k1x7, p1x7),
      convBlock(s.child('branch7x7_3'), c7, 192, k7x1, p7x1),
    ];
    this.b7dbl = [
      convBlock(s.child('branch7x7dbl_1'), inC, c7, 1),
      convBlock(s.child('branch7x7dbl_2'), c7, c7, k7x1, p7x1),
      convBlock(s.child('branch7x7dbl_3'), c7, c7, k1x7, p1x7),
      convBlock(s.child('branch7x7dbl_4'), c7, c7, k7x1, p7x1),
      convBlock(s.child('branch7x7dbl_5'), c7, 192, k1x7, p1x7),
    ];
    this.pool = convBlock(s.child('branch_pool'), inC, 192, 1);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.concatChannels([this.b1.forward(ops, x), chain(ops, x, this.b7), chain(ops, x, this.b7dbl), this.pool.forward(ops, avgPool3s1(ops, x))]);
  }
}

/** 17 → 8 reduction: 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max pool 3×3/2. */
class InceptionD implements Module {
  private readonly b3: ConvNormAct[];
  private readonly b7x3: ConvNormAct[];

  constructor(s: Scope, inC: number) {
    this.b3 = [convBlock(s.child('branch3x3_1'), inC, 192, 1), convBlock(s.child('branch3x3_2'), 192, 320, 3, { stride: 2 })];
    this.b7x3 = [
      convBlock(s.child('branch7x7x3_1'), inC, 192, 1),
      convBlock(s.child('branch7x7x3_2'), 192, 192, k1x7, p1x7),
      convBlock(s.child('branch7x7x3_3'), 192, 192, k7x1, p7x1),
      convBlock(s.child('branch7x7x3_4'), 192, 192, 3, { stride: 2 }),
    ];
  }

  forward<T>(ops: Ops<T>, x: T): T {
    return ops.concatChannels([chain(ops, x, this.b3), chain(ops, x, this.b7x3), maxPool3s2(ops, x)]);
  }
}

/** 8×8 module whose 3×3 branches end in a 1×3 and a 3×1 conv side by side. */
class InceptionE implements Module {
  private readonly b1: ConvNormAct;
  private readonly b3In: ConvNormAct;
  private readonly b3a: ConvNormAct;
  private readonly b3b: ConvNormAct;
  private readonly b3dblIn: ConvNormAct[];
  private readonly b3dblA: ConvNormAct;
  private readonly b3dblB: ConvNormAct;
  private readonly pool: ConvNormAct;

  constructor(s: Scope, inC: number) {
    this.b1 = convBlock(s.child('branch1x1'), inC, 320, 1);
    this.b3In = convBlock(s.child('branch3x3_1'), inC, 384, 1);
    this.b3a = convBlock(s.child('branch3x3_2a'), 384, 384, [1, 3], { padding: [0, 1] });
    this.b3b = convBlock(s.child('branch3x3_2b'), 384, 384, [3, 1], { padding: [1, 0] });
    this.b3dblIn = [convBlock(s.child('branch3x3dbl_1'), inC, 448, 1), convBlock(s.child('branch3x3dbl_2'), 448, 384, 3, { padding: 1 })];
    this.b3dblA = convBlock(s.child('branch3x3dbl_3a'), 384, 384, [1, 3], { padding: [0, 1] });
    this.b3dblB = convBlock(s.child('branch3x3dbl_3b'), 384, 384, [3, 1], { padding: [1, 0] });
    this.pool = convBlock(s.child('branch_pool'), inC, 192, 1);
  }

  forward<T>(ops: Ops<T>, x: T): T {
    const b3 = this.b3In.forward(ops, x);
    const b3dbl = chain(ops, x, this.b3dblIn);
    return ops.concatChannels([
      this.b1.forward(ops, x),
      this.b3a.forward(ops, b3),
      this.b3b.forward(ops, b3),
      this.b3dblA.forward(ops, b3dbl),
      this.b3dblB.forward(ops, b3dbl),
      this.pool.forward(ops, avgPool3s1(ops, x)),
    ]);
  }
}

/** A max pool as a module of a level's list. */
const pool: Module = { forward: maxPool3s2 };

export class InceptionV3 extends TimmModelBase {
  readonly featureInfo: FeatureLevelInfo[] = [
    { numChs: 64, reduction: 2, module: 'Conv2d_2b_3x3' },
    { numChs: 192, reduction: 4, module: 'Conv2d_4a_3x3' },
    { numChs: 288, reduction: 8, module: 'Mixed_5d' },
    { numChs: 768, reduction: 16, module: 'Mixed_6e' },
    { numChs: 2048, reduction: 32, module: 'Mixed_7c' },
  ];
  readonly numFeatures = 2048;
  /** The modules of each feature level, in timm's order. */
  private readonly levels: Module[][];

  constructor(args: ModelArgs) {
    super();
    const r = this.root;
    this.levels = [
      [
        convBlock(r.child('Conv2d_1a_3x3'), args.inChans, 32, 3, { stride: 2 }),
        convBlock(r.child('Conv2d_2a_3x3'), 32, 32, 3),
        convBlock(r.child('Conv2d_2b_3x3'), 32, 64, 3, { padding: 1 }),
      ],
      [pool, convBlock(r.child('Conv2d_3b_1x1'), 64, 80, 1), convBlock(r.child('Conv2d_4a_3x3'), 80, 192, 3)],
      [pool, new InceptionA(r.child('Mixed_5b'), 192, 32), new InceptionA(r.child('Mixed_5c'), 256, 64), new InceptionA(r.child('Mixed_5d'), 288, 64)],
      [
        new InceptionB(r.child('Mixed_6a'), 288),
        new InceptionC(r.child('Mixed_6b'), 768, 128),
        new InceptionC(r.child('Mixed_6c'), 768, 160),
        new InceptionC(r.child('Mixed_6d'), 768, 160),
        new InceptionC(r.child('Mixed_6e'), 768, 192),
      ],
      [new InceptionD(r.child('Mixed_7a'), 768), new InceptionE(r.child('Mixed_7b'), 1280), new InceptionE(r.child('Mixed_7c'), 2048)],
    ];
    this.createHead('fc', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return this.levels.map((modules, i) => (x: T) => {
      if (i === 0) {
        const { h, w } = ops.dims(x);
        assertInputFits(INCEPTION_V3_INPUT_RULE, [h, w]);
      }
      return modules.reduce((y, m) => ops.scope(() => m.forward(ops, y)), x);
    });
  }
}

export const inceptionV3Entries: ModelEntry[] = [
  {
    name: 'inception_v3',
    family: 'inception',
    create: (args) => new InceptionV3(args),
    outputStrides: [32],
    // InceptionV3.__init__ has no output_stride parameter: create_model raises TypeError for any value.
    outputStrideArg: 'never',
    inputSizeRule: INCEPTION_V3_INPUT_RULE,
    pretrained: pretrainedCfgs('inception_v3'),
  },
];
