/**
 * timm `_efficientnet_builder.py`: block strings ('ir_r2_k3_s2_e6_c24_se0.25') decoded into
 * block arguments, depth scaling per stage, channel rounding, and EfficientNetBuilder, which
 * turns stages of block arguments into blocks — converting strides to dilation past the
 * output stride and recording feature_info where timm does. Shared by every family timm
 * builds this way (efficientnet.py, mobilenetv3.py, …).
 *
 * Extension points: block types beyond 'ds' / 'dsa' / 'ir' / 'er' / 'cn' (MobileNet-V4's 'uir',
 * 'mqa', 'mha') are decoded here and built by a factory passed in `blockFactories`; the norm
 * and SE layers are factories too (BatchNormAct2d and timm's SqueezeExcite by default).
 */
import type { Activation, Ops } from '../../ops/ops';
import type { Scope } from '../paramRegistry';
import { runSequential } from '../model';
import { makeDivisible } from './helpers';
import {
  ConvBnAct,
  DepthwiseSeparableConv,
  EdgeResidual,
  InvertedResidual,
  pyRound,
  squeezeExciteLayer,
  batchNormAct,
  type BlockCommonArgs,
  type EfficientNetBlock,
  type FeatureLocation,
  type KernelSize,
  type NormActFactory,
  type PadType,
  type SeLayer,
  type SeLayerDef,
} from './efficientnetBlocks';

/** One decoded block string: timm's block_args dict, camelCased. Which fields are set depends on the type. */
export interface BlockDef {
  /** 'ds', 'dsa', 'ir', 'er', 'cn', 'uir', 'mha', 'mqa' */
  blockType: string;
  outChs: number;
  stride: number;
  /** The block's own activation ('n' option); the model default when undefined. */
  act?: Activation;
  dwKernelSize?: KernelSize;
  expKernelSize?: KernelSize;
  pwKernelSize?: KernelSize;
  /** 'cn' */
  kernelSize?: number;
  expRatio?: number;
  seRatio?: number;
  noskip?: boolean;
  /** 'cn': a skip only when asked ('_skip'). */
  skip?: boolean;
  pwAct?: boolean;
  s2d?: boolean;
  forceInChs?: number;
  numExperts?: number;
  groupSize?: number;
  /** 'uir' */
  dwKernelSizeStart?: KernelSize;
  dwKernelSizeMid?: KernelSize;
  dwKernelSizeEnd?: KernelSize;
  /** 'mha' / 'mqa' */
  numHeads?: number;
  keyDim?: number;
  valueDim?: number;
  kvStride?: number;
}

/** Block arguments per stage, as decode_arch_def returns them (repeats already expanded). */
export type ArchArgs = BlockDef[][];

/** timm round_channels: channels × multiplier made divisible (unchanged when the multiplier is 0 / absent). */
export function roundChannels(channels: number, multiplier = 1.0, divisor = 8, channelMin?: number, roundLimit = 0.9): number {
  if (!multiplier) return channels;
  // Python's `min_value or divisor`: 0 means the divisor too.
  return makeDivisible(channels * multiplier, divisor, channelMin || undefined, roundLimit);
}

/** timm _parse_ksize: '3' → 3, '3.5.7' → [3, 5, 7]. */
function parseKsize(s: string): KernelSize {
  return /^\d+$/.test(s) ? parseInt(s, 10) : s.split('.').map((k) => parseInt(k, 10));
}

const ACT_CODES: Record<string, Activation | 'mish'> = { re: 'relu', r6: 'relu6', hs: 'hardSwish', sw: 'silu', mi: 'mish' };

function need(options: Map<string, string>, key: string, blockStr: string): string {
  const v = options.get(key);
  if (v === undefined) throw new Error(`block string '${blockStr}' has no '${key}' option`);
  return v;
}

/** timm _decode_block_str: one block string → its arguments and repeat count. */
export function decodeBlockStr(blockStr: string): { def: BlockDef; repeats: number } {
  const [blockType, ...parts] = blockStr.split('_');
  const options = new Map<string, string>();
  let act: Activation | undefined;
  let skip: boolean | undefined;
  for (const op of parts) {
    if (op === 'noskip') skip = false;
    else if (op === 'skip') skip = true;
    else if (op.startsWith('n')) {
      const code = ACT_CODES[op.slice(1)];
      if (code === undefined) continue; // timm ignores an unknown activation code
      if (code === 'mish') throw new Error(`block string '${blockStr}': mish is not in the op layer`);
      act = code;
    } else {
      // re.split(r'(\d.*)', op): the key is everything before the first digit.
      const m = /^(\D*)(\d.*)$/.exec(op);
      if (m) options.set(m[1], m[2]);
    }
  }
  const num = (key: string) => Number(need(options, key, blockStr));
  const int = (key: string) => parseInt(need(options, key, blockStr), 10);
  const ks = (key: string) => parseKsize(need(options, key, blockStr));
  const startKernel = options.has('a') ? ks('a') : 1;
  const endKernel = options.has('p') ? ks('p') : 1;
  const forceInChs = options.has('fc') ? int('fc') : 0;
  const repeats = int('r');
  const seRatio = options.has('se') ? num('se') : 0;
  const s2d = options.has('d') ? int('d') > 0 : false;

  const def: BlockDef = { blockType, outChs: int('c'), stride: int('s'), act };
  switch (blockType) {
    case 'ir':
      Object.assign(def, { dwKernelSize: ks('k'), expKernelSize: startKernel, pwKernelSize: endKernel, expRatio: num('e'), seRatio, noskip: skip === false, s2d });
      if (options.has('cc')) def.numExperts = int('cc');
      break;
    case 'ds':
    case 'dsa':
      Object.assign(def, { dwKernelSize: ks('k'), pwKernelSize: endKernel, seRatio, pwAct: blockType === 'dsa', noskip: blockType === 'dsa' || skip === false, s2d });
      break;
    case 'er':
      Object.assign(def, { expKernelSize: ks('k'), pwKernelSize: endKernel, expRatio: num('e'), forceInChs, seRatio, noskip: skip === false });
      break;
    case 'cn':
      Object.assign(def, { kernelSize: int('k'), skip: skip === true });
      break;
    case 'uir':
      Object.assign(def, {
        dwKernelSizeStart: options.has('a') ? ks('a') : 0,
        dwKernelSizeMid: ks('k'),
        dwKernelSizeEnd: options.has('p') ? ks('p') : 0,
        expRatio: num('e'),
        seRatio,
        noskip: skip === false,
      });
      break;
    case 'mha':
    case 'mqa':
      Object.assign(def, {
        dwKernelSize: ks('k'),
        numHeads: int('h'),
        keyDim: int('d'),
        valueDim: int('d'),
        kvStride: options.has('v') ? int('v') : 1,
        noskip: skip === false,
      });
      break;
    default:
      throw new Error(`unknown block type '${blockType}' in block string '${blockStr}'`);
  }
  if (options.has('gs')) def.groupSize = int('gs');
  return { def, repeats };
}

/**
 * timm _scale_stage_depth: scales a stage's total repeats ('ceil' or 'round'), then hands
 * them back to its block definitions from the last one up, so the first is the least scaled.
 */
export function scaleStageDepth(defs: readonly BlockDef[], repeats: readonly number[], depthMultiplier = 1.0, depthTrunc: 'ceil' | 'round' = 'ceil'): BlockDef[] {
  let numRepeat = repeats.reduce((a, b) => a + b, 0);
  let numScaled = depthTrunc === 'round' ? Math.max(1, pyRound(numRepeat * depthMultiplier)) : Math.ceil(numRepeat * depthMultiplier);
  const scaled: number[] = [];
  for (let i = repeats.length - 1; i >= 0; i--) {
    const r = repeats[i];
    const rs = Math.max(1, pyRound((r / numRepeat) * numScaled));
    scaled.unshift(rs);
    numRepeat -= r;
    numScaled -= rs;
  }
  return defs.flatMap((d, i) => Array.from({ length: scaled[i] }, () => ({ ...d })));
}

export interface DecodeOptions {
  /** One multiplier, or one per stage. */
  depthMultiplier?: number | readonly number[];
  depthTrunc?: 'ceil' | 'round';
  expertsMultiplier?: number;
  /** Keep the first and last stages' depth unscaled. */
  fixFirstLast?: boolean;
  /** group_size for every block that does not set 'gs' itself. */
  groupSize?: number;
}

/** timm decode_arch_def: stages of block strings → stages of block arguments. */
export function decodeArchDef(archDef: readonly (readonly string[])[], o: DecodeOptions = {}): ArchArgs {
  const dm = o.depthMultiplier ?? 1.0;
  if (typeof dm !== 'number' && dm.length !== archDef.length) throw new Error(`${dm.length} depth multipliers for ${archDef.length} stages`);
  return archDef.map((blockStrings, stackIdx) => {
    const defs: BlockDef[] = [];
    const repeats: number[] = [];
    for (const s of blockStrings) {
      const { def, repeats: r } = decodeBlockStr(s);
      if ((def.numExperts ?? 0) > 0 && (o.expertsMultiplier ?? 1) > 1) def.numExperts = (def.numExperts as number) * (o.expertsMultiplier as number);
      if (o.groupSize !== undefined && def.groupSize === undefined) def.groupSize = o.groupSize;
      defs.push(def);
      repeats.push(r);
    }
    const fixed = o.fixFirstLast && (stackIdx === 0 || stackIdx === archDef.length - 1);
    const multiplier = fixed ? 1.0 : typeof dm === 'number' ? dm : dm[stackIdx];
    return scaleStageDepth(defs, repeats, multiplier, o.depthTrunc ?? 'ceil');
  });
}

/** What a block factory gets: the builder's common arguments plus the block's own (stride and dilation resolved). */
export interface BlockBuildArgs extends BlockCommonArgs {
  def: BlockDef;
  layerScaleInitValue?: number;
}

export type BlockFactory = (scope: Scope, a: BlockBuildArgs) => EfficientNetBlock;

const kernel = (k: KernelSize | undefined, what: string): KernelSize => {
  if (k === undefined) throw new Error(`block has no ${what}`);
  return k;
};

/** The block types EfficientNet-family models use; `EfficientNetBuilderOptions.blockFactories` adds more. */
const depthwiseSeparable: BlockFactory = (scope, a) =>
  new DepthwiseSeparableConv(scope, {
    ...a,
    dwKernelSize: kernel(a.def.dwKernelSize, 'dw kernel'),
    pwKernelSize: a.def.pwKernelSize,
    groupSize: a.def.groupSize,
    noskip: a.def.noskip,
    pwAct: a.def.pwAct,
  });

export const DEFAULT_BLOCK_FACTORIES: Readonly<Record<string, BlockFactory>> = {
  ir: (scope, a) =>
    new InvertedResidual(scope, {
      ...a,
      dwKernelSize: kernel(a.def.dwKernelSize, 'dw kernel'),
      expKernelSize: a.def.expKernelSize,
      pwKernelSize: a.def.pwKernelSize,
      expRatio: a.def.expRatio ?? 1.0,
      groupSize: a.def.groupSize,
      noskip: a.def.noskip,
    }),
  ds: depthwiseSeparable,
  dsa: depthwiseSeparable,
  er: (scope, a) =>
    new EdgeResidual(scope, {
      ...a,
      expKernelSize: kernel(a.def.expKernelSize, 'exp kernel'),
      pwKernelSize: a.def.pwKernelSize,
      expRatio: a.def.expRatio ?? 1.0,
      forceInChs: a.def.forceInChs,
      groupSize: a.def.groupSize,
      noskip: a.def.noskip,
    }),
  cn: (scope, a) => new ConvBnAct(scope, { ...a, kernelSize: kernel(a.def.kernelSize, 'kernel'), groupSize: a.def.groupSize, skip: a.def.skip }),
};

export interface EfficientNetBuilderOptions {
  outputStride?: number;
  padType?: PadType;
  /** Rounds every block's out_chs (and force_in_chs); the model's channel multiplier lives here. */
  roundChsFn?: (channels: number) => number;
  /** Size the SE reduction from the expanded width (MobileNet-V3) instead of the block input (EfficientNet). */
  seFromExp?: boolean;
  /** The model's default activation, for blocks whose string sets none. */
  act: Activation;
  normAct?: NormActFactory;
  seLayer?: SeLayerDef;
  layerScaleInitValue?: number;
  featureLocation?: FeatureLocation;
  blockFactories?: Readonly<Record<string, BlockFactory>>;
}

/** One feature_info entry as the builder records it; `stage` 0 is the stem, k the end of blocks.(k−1). */
export interface BuilderFeature {
  module: string;
  numChs: number;
  reduction: number;
  stage: number;
  hookType?: 'forward' | 'forward_pre';
}

export interface BuiltStages {
  stages: EfficientNetBlock[][];
  features: BuilderFeature[];
  /** The last block's output channels (timm builder.in_chs after the build). */
  outChs: number;
}

/**
 * timm EfficientNetBuilder.__call__: builds the stages under `scope` ('blocks'), the first
 * block of each stage the only strided one. Once the running stride would pass output_stride
 * a stride becomes dilation, which starts at the block after it: the first block of a
 * dilated stage keeps the previous dilation.
 */
export function buildEfficientNetStages(scope: Scope, inChs: number, archArgs: ArchArgs, o: EfficientNetBuilderOptions): BuiltStages {
  const outputStride = o.outputStride ?? 32;
  const padType = o.padType ?? '';
  const roundChs = o.roundChsFn ?? ((c: number) => roundChannels(c));
  const normAct = o.normAct ?? batchNormAct();
  const seLayer = o.seLayer ?? squeezeExciteLayer();
  const location = o.featureLocation ?? '';
  const factories = { ...DEFAULT_BLOCK_FACTORIES, ...o.blockFactories };
  const features: BuilderFeature[] = [];
  let currentStride = 2;
  let currentDilation = 1;
  let chs = inChs;
  if (archArgs[0][0].stride > 1) features.push({ module: 'bn1', numChs: chs, stage: 0, reduction: currentStride });

  const stages = archArgs.map((stackArgs, stackIdx) => {
    const stageScope = scope.child(stackIdx);
    return stackArgs.map((src, blockIdx) => {
      const def: BlockDef = { ...src };
      if (def.stride !== 1 && def.stride !== 2) throw new Error(`block stride ${def.stride}: timm allows 1 or 2`);
      if (blockIdx >= 1) def.stride = 1;
      if (def.s2d) throw new Error('space-to-depth blocks (s2d) are not ported');
      if ((def.numExperts ?? 0) > 0) throw new Error('CondConv blocks (cc) are not ported');
      const lastBlock = blockIdx + 1 === stackArgs.length;
      const extract = lastBlock && (stackIdx + 1 >= archArgs.length || archArgs[stackIdx + 1][0].stride > 1);

      let nextDilation = currentDilation;
      if (def.stride > 1) {
        const next = currentStride * def.stride;
        if (next > outputStride) {
          nextDilation = currentDilation * def.stride;
          def.stride = 1;
        } else {
          currentStride = next;
        }
      }
      const dilation = currentDilation;
      currentDilation = nextDilation;

      // timm _make_block
      const outChs = roundChs(def.outChs);
      if (def.forceInChs) def.forceInChs = roundChs(def.forceInChs);
      let bound: SeLayer | undefined;
      if (def.seRatio) {
        const ratio = o.seFromExp ? def.seRatio : def.seRatio / (def.expRatio ?? 1.0);
        bound = seLayer.bind(seLayer.hasRatio ? ratio : undefined);
      }
      const factory = factories[def.blockType];
      if (!factory) throw new Error(`block type '${def.blockType}' has no block factory here (not ported)`);
      const blockScope = stageScope.child(blockIdx);
      const block = factory(blockScope, {
        def,
        inChs: chs,
        outChs,
        stride: def.stride,
        dilation,
        padType,
        act: def.act ?? o.act,
        normAct,
        seLayer: bound,
        layerScaleInitValue: o.layerScaleInitValue,
      });
      chs = outChs;

      if (extract) {
        const fi = block.featureInfo(location);
        features.push({
          module: fi.module ? `${blockScope.name}.${fi.module}` : stageScope.name,
          numChs: fi.numChs,
          reduction: currentStride,
          stage: stackIdx + 1,
          hookType: fi.hookType,
        });
      }
      return block;
    });
  });
  return { stages, features, outChs: chs };
}

/**
 * The feature levels as steps (timm EfficientNetFeatures.forward with bottleneck features):
 * step i runs from the previous level through the stage that ends level i, the stem in the
 * first step. Needs features taken at block outputs, not inside blocks ('expansion').
 */
export function featureLevelSteps<T>(ops: Ops<T>, stem: (x: T) => T, built: BuiltStages): Array<(x: T) => T> {
  if (built.features.some((f) => f.hookType)) {
    throw new Error("feature_location 'expansion' takes features inside blocks; only block outputs are ported");
  }
  let from = 0;
  return built.features.map((f, level) => {
    const stages = built.stages.slice(from, f.stage);
    from = f.stage;
    return (x: T): T => {
      let y = level === 0 ? stem(x) : x;
      for (const blocks of stages) y = runSequential(ops, y, blocks);
      return y;
    };
  });
}
