/**
 * timm `regnet.py`: RegNet-X and RegNet-Y (the post-activation Bottleneck with an optional SE
 * after conv2, and a conv1x1 shortcut).
 *
 * The per-stage widths come from timm's generate_regnet, which computes in float32 torch
 * tensors; the port repeats each float32 rounding step (Math.fround) so stage widths land on
 * exactly the integers timm gets.
 */
import type { Ops } from '../../ops/ops';
import type { FeatureLevelInfo, ModelArgs, ModelEntry } from '../model';
import { runSequential } from '../model';
import type { Scope } from '../paramRegistry';
import { SEModule } from '../layers/attention';
import { makeDivisible } from '../layers/helpers';
import { ConvBnAct } from '../layers/regnetLayers';
import { TimmModelBase } from '../timmModelBase';
import { pretrainedCfgs } from '../pretrainedCfgs';

/** The fields of timm's RegNetCfg that the registered X/Y variants use. */
export interface RegNetConfig {
  depth: number;
  w0: number;
  wa: number;
  wm: number;
  groupSize: number;
  bottleRatio?: number;
  seRatio?: number;
  /** Non-zero selects torchvision's make_divisible rounding of bottleneck widths (the *_tv models). */
  groupMinRatio?: number;
  stemWidth?: number;
}

/** One stage's shape, as timm's _get_stage_args hands it to RegStage. */
export interface StagePlan {
  outChs: number;
  depth: number;
  groupSize: number;
}

const f32 = Math.fround;

/** Round half to even, as torch.round and Python's round() do. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends .5 up; step back when that lands on an odd number.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * timm generate_regnet: per-block widths from the linear/quantised RegNet parameterisation.
 * torch does every step in float32; each intermediate is rounded to float32 here to match.
 */
export function generateRegnetWidths(wa: number, w0: number, wm: number, depth: number, quant = 8): number[] {
  if (!(wa >= 0 && w0 > 0 && wm > 1 && w0 % quant === 0)) throw new Error('invalid RegNet width parameters');
  const logWm = f32(Math.log(wm));
  const widths: number[] = [];
  for (let i = 0; i < depth; i++) {
    const cont = f32(f32(i * f32(wa)) + w0);
    const exp = roundHalfEven(f32(f32(Math.log(f32(cont / w0))) / logWm));
    const w = f32(w0 * f32(Math.pow(f32(wm), exp)));
    widths.push(roundHalfEven(f32(w / quant)) * quant);
  }
  return widths;
}

/**
 * timm _get_stage_args' width part: unique block widths become stages (torch.unique sorts),
 * then adjust_widths_groups_comp makes each bottleneck width a multiple of its group width.
 */
export function regnetStagePlan(cfg: RegNetConfig): StagePlan[] {
  const widths = generateRegnetWidths(cfg.wa, cfg.w0, cfg.wm, cfg.depth);
  const counts = new Map<number, number>();
  for (const w of widths) counts.set(w, (counts.get(w) ?? 0) + 1);
  const stageWidths = [...counts.keys()].sort((a, b) => a - b);
  const br = cfg.bottleRatio ?? 1;
  return stageWidths.map((w) => {
    let wBot = Math.trunc(w * br);
    const g = Math.min(cfg.groupSize, wBot);
    // timm passes group_min_ratio positionally as make_divisible's min_value.
    wBot = cfg.groupMinRatio ? makeDivisible(wBot, g, cfg.groupMinRatio) : Math.trunc(roundHalfEven(wBot / g) * g);
    return { outChs: Math.trunc(wBot / br), depth: counts.get(w) as number, groupSize: g };
  });
}

interface BlockArgs {
  inChs: number;
  outChs: number;
  stride: number;
  /** [conv2's dilation, the stage's dilation]; they differ in the first block of a dilated stage. */
  dilation: readonly [number, number];
  bottleRatio: number;
  groupSize: number;
  seRatio: number;
}

/** timm regnet Bottleneck: 1×1, grouped 3×3, SE, 1×1, plus a 1×1 conv+BN shortcut when shapes change. */
class Bottleneck {
  private readonly conv1: ConvBnAct;
  private readonly conv2: ConvBnAct;
  private readonly se?: SEModule;
  private readonly conv3: ConvBnAct;
  private readonly downsample?: ConvBnAct;

  constructor(scope: Scope, a: BlockArgs) {
    const bottleneckChs = roundHalfEven(a.outChs * a.bottleRatio);
    const groups = Math.floor(bottleneckChs / a.groupSize);
    this.conv1 = new ConvBnAct(scope.child('conv1'), a.inChs, bottleneckChs, 1);
    this.conv2 = new ConvBnAct(scope.child('conv2'), bottleneckChs, bottleneckChs, 3, { stride: a.stride, dilation: a.dilation[0], groups });
    // The SE reduction is sized from the block's input width, not the bottleneck width.
    if (a.seRatio) this.se = new SEModule(scope.child('se'), bottleneckChs, { rdChannels: roundHalfEven(a.inChs * a.seRatio) });
    this.conv3 = new ConvBnAct(scope.child('conv3'), bottleneckChs, a.outChs, 1, { act: 'identity' });
    if (a.inChs !== a.outChs || a.stride !== 1 || a.dilation[0] !== a.dilation[1]) {
      // downsample_conv with kernel_size 1: no dilation on a 1×1.
      this.downsample = new ConvBnAct(scope.child('downsample'), a.inChs, a.outChs, 1, { stride: a.stride, act: 'identity' });
    }
  }

  forward<T>(ops: Ops<T>, x: T): T {
    let y = this.conv2.forward(ops, this.conv1.forward(ops, x));
    if (this.se) y = this.se.forward(ops, y);
    y = this.conv3.forward(ops, y);
    const shortcut = this.downsample ? this.downsample.forward(ops, x) : x;
    return ops.activation(ops.add(y, shortcut), 'relu');
  }
}

export class RegNet extends TimmModelBase {
  // timm: reset_classifier(num_classes, global_pool=None) keeps the current pool.
  protected override readonly resetKeepsPool = true;
  readonly featureInfo: FeatureLevelInfo[];
  readonly numFeatures: number;
  private readonly stem: ConvBnAct;
  private readonly stages: Bottleneck[][] = [];

  constructor(cfg: RegNetConfig, args: ModelArgs) {
    super();
    const stemWidth = cfg.stemWidth ?? 32;
    this.stem = new ConvBnAct(this.root.child('stem'), args.inChans, stemWidth, 3, { stride: 2 });
    this.featureInfo = [{ numChs: stemWidth, reduction: 2, module: 'stem' }];

    const plan = regnetStagePlan(cfg);
    if (plan.length !== 4) throw new Error(`RegNet config gives ${plan.length} stages; timm requires 4`);
    let prevWidth = stemWidth;
    let netStride = 2;
    let dilation = 1;
    plan.forEach((stage, i) => {
      let stride = 2;
      if (netStride >= args.outputStride) {
        dilation *= stride;
        stride = 1;
      } else {
        netStride *= stride;
      }
      const name = `s${i + 1}`;
      const stageScope = this.root.child(name);
      // RegStage: the first block of a dilated stage keeps the previous (smaller) dilation.
      let firstDilation = dilation === 1 || dilation === 2 ? 1 : 2;
      const blocks: Bottleneck[] = [];
      for (let b = 0; b < stage.depth; b++) {
        blocks.push(
          new Bottleneck(stageScope.child(`b${b + 1}`), {
            inChs: b === 0 ? prevWidth : stage.outChs,
            outChs: stage.outChs,
            stride: b === 0 ? stride : 1,
            dilation: [firstDilation, dilation],
            bottleRatio: cfg.bottleRatio ?? 1,
            groupSize: stage.groupSize,
            seRatio: cfg.seRatio ?? 0,
          }),
        );
        firstDilation = dilation;
      }
      this.stages.push(blocks);
      prevWidth = stage.outChs;
      this.featureInfo.push({ numChs: prevWidth, reduction: netStride, module: name });
    });
    // final_conv is Identity for these configs (no num_features, linear_out or preact).
    this.numFeatures = prevWidth;
    this.createHead('head.fc', args.numClasses, args.globalPool);
  }

  protected override steps<T>(ops: Ops<T>): Array<(x: T) => T> {
    return [(x) => this.stem.forward(ops, x), ...this.stages.map((blocks) => (x: T) => runSequential<T>(ops, x, blocks))];
  }


}

function entry(name: string, cfg: RegNetConfig): ModelEntry {
  return {
    name,
    family: 'regnet',
    create: (args) => new RegNet(cfg, args),
    outputStrides: [8, 16, 32],
    pretrained: pretrainedCfgs(name),
  };
}

/** timm model_cfgs; "Y" adds SE with ratio 0.25. */
export const regnetConfigs: Record<string, RegNetConfig> = {
  regnetx_002: { w0: 24, wa: 36.44, wm: 2.49, groupSize: 8, depth: 13 },
  regnetx_004: { w0: 24, wa: 24.48, wm: 2.54, groupSize: 16, depth: 22 },
  regnetx_006: { w0: 48, wa: 36.97, wm: 2.24, groupSize: 24, depth: 16 },
  regnetx_008: { w0: 56, wa: 35.73, wm: 2.28, groupSize: 16, depth: 16 },
  regnetx_016: { w0: 80, wa: 34.01, wm: 2.25, groupSize: 24, depth: 18 },
  regnetx_032: { w0: 88, wa: 26.31, wm: 2.25, groupSize: 48, depth: 25 },
  regnety_002: { w0: 24, wa: 36.44, wm: 2.49, groupSize: 8, depth: 13, seRatio: 0.25 },
  regnety_004: { w0: 48, wa: 27.89, wm: 2.09, groupSize: 8, depth: 16, seRatio: 0.25 },
  regnety_006: { w0: 48, wa: 32.54, wm: 2.32, groupSize: 16, depth: 15, seRatio: 0.25 },
  regnety_008: { w0: 56, wa: 38.84, wm: 2.4, groupSize: 16, depth: 14, seRatio: 0.25 },
  regnety_016: { w0: 48, wa: 20.71, wm: 2.65, groupSize: 24, depth: 27, seRatio: 0.25 },
  regnety_032: { w0: 80, wa: 42.63, wm: 2.66, groupSize: 24, depth: 21, seRatio: 0.25 },
  regnety_040: { w0: 96, wa: 31.41, wm: 2.24, groupSize: 64, depth: 22, seRatio: 0.25 },
  regnety_080: { w0: 192, wa: 76.82, wm: 2.19, groupSize: 56, depth: 17, seRatio: 0.25 },
};

export const regnetEntries: ModelEntry[] = Object.entries(regnetConfigs).map(([name, cfg]) => entry(name, cfg));
