import type { Ops } from '../ops/ops';
import type { ParamRegistry } from './paramRegistry';
import type { InputSizeRule } from '../../../src-shared/inputSizeRule';

/** One entry of timm's feature_info. */
export interface FeatureLevelInfo {
  numChs: number;
  reduction: number;
  module: string;
  /** Index of the parallel branch whose output this level is (HRNet); absent where levels form a chain. */
  branch?: number;
}

/** The constructor arguments every family accepts (timm create_model kwargs). */
export interface ModelArgs {
  numClasses: number;
  globalPool: string;
  outputStride: number;
  inChans: number;
}

/**
 * Sees each feature level's value as it is produced (level index, value) and
 * returns what the network continues with — and what is returned for that
 * level. Identity by default. Lets a caller read or perturb an inner level
 * (Grad-CAM adds a zero tensor there to take ∂/∂level) without each family
 * exposing a "run from level L" entry point.
 */
export type LevelTap<T> = (level: number, value: T) => T;

/** A timm architecture, described against the op layer. */
export interface TimmModel {
  readonly registry: ParamRegistry;
  /** All feature levels, for the output stride the model was built with. */
  readonly featureInfo: readonly FeatureLevelInfo[];
  readonly numFeatures: number;
  readonly numClasses: number;
  /**
   * Features at the given level indices (ascending, unique), computed only
   * as far as the deepest one needs. `tap` sees every level up to that one.
   */
  forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[];
  /** timm's forward_features; `tap` sees every feature level on the way. */
  forwardFeatures<T>(ops: Ops<T>, x: T, tap?: LevelTap<T>): T;
  forwardHead<T>(ops: Ops<T>, x: T, preLogits?: boolean): T;
  /** timm's reset_classifier; without globalPool each family does what timm does. */
  resetClassifier(numClasses: number, globalPool?: string): void;
}

/** timm's pretrained_cfg facts for one tag. */
export interface PretrainedCfg {
  /** 'resnet50.a1_in1k' */
  name: string;
  tag: string;
  hfHubId: string;
  mean: [number, number, number];
  std: [number, number, number];
  inputSize: [number, number, number];
  cropPct: number;
  cropMode: string;
  interpolation: 'bicubic' | 'bilinear' | 'nearest';
  numClasses: number;
  license?: string;
}

/** A registered model name: how to build it and what timm knows about it. */
export interface ModelEntry {
  name: string;
  family: string;
  create(args: ModelArgs): TimmModel;
  /**
   * Output strides the architecture can do (timm's asserts), e.g. [8, 16, 32] or [32] —
   * the one place a family states them; the builder checks every request against it.
   */
  outputStrides: readonly number[];
  /**
   * When timm takes an `output_stride` argument at all: 'always' (the default), only
   * with features_only (MobileNetV3's feature class has it, the classifier does not),
   * or 'never'. Where it is not taken, passing any value — even 32 — is refused, as
   * timm raises; not passing it is the model's own stride.
   */
  outputStrideArg?: 'always' | 'featuresOnly' | 'never';
  /** timm's default out_indices for features_only, when not every level. */
  defaultOutIndices?: readonly number[];
  /**
   * Which input sides run, where not every side does (timm raises inside the forward):
   * HRNet's and DLA's branch sizes must line up, Inception-V3 needs 75 px. The engine
   * refuses other sizes before any work, naming sides that fit; the UI shows the rule.
   */
  inputSizeRule?: InputSizeRule;
  /**
   * The classifier is a 1×1 conv (timm's create_classifier(use_conv=True): DLA, DPN), so
   * global_pool '' with num_classes > 0 is allowed, as in timm: logits at every position.
   */
  convClassifier?: boolean;
  /** Pretrained tags, default first. */
  pretrained: readonly PretrainedCfg[];
}

/**
 * Runs `steps` in order; step i yields feature level i, passed through `tap`
 * (the next step reads the tapped value). Stops after the deepest wanted level.
 */
export function runLevelSteps<T>(ops: Ops<T>, x: T, steps: ReadonlyArray<(x: T) => T>, levels: readonly number[], tap?: LevelTap<T>): T[] {
  const last = Math.max(...levels);
  const found = new Map<number, T>();
  let y = x;
  for (let i = 0; i <= last; i++) {
    const step = steps[i];
    // The tap runs inside the step's scope, so whatever it makes and drops is freed with the step.
    y = ops.scope(() => (tap ? tap(i, step(y)) : step(y)));
    found.set(i, y);
  }
  return levels.map((l) => found.get(l) as T);
}

/** Anything with a PyTorch-style forward written against the op layer. */
export interface Forwardable {
  forward<T>(ops: Ops<T>, x: T): T;
}

/** Runs a list of blocks as nn.Sequential does, each in its own scope. */
export function runSequential<T>(ops: Ops<T>, x: T, blocks: ReadonlyArray<Forwardable>): T {
  let y = x;
  for (const b of blocks) y = ops.scope(() => b.forward(ops, y));
  return y;
}
