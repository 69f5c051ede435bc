import * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from '../zoo/builder';
import type { StateDict, TensorData } from '../weights/stateDict';
import { TfjsParams } from './tfjsParams';
import { TfjsOps } from './tfjsOps';
import { chooseConvForm } from './convForm';
import type { Dims4, Ops } from './ops';
import { planFusion, traceForward, type FusionPlan } from './fusionPlan';
import type { Executor, ForwardCall, PreparedModel } from './executor';

/** One way of calling the model, as a function of the op layer. */
type Forward = <T>(ops: Ops<T>, x: T) => T[];

/**
 * A built model bound to its weights on the tfjs backend.
 *
 * Each kind of call (levels, forward, forward_features at an input shape) is
 * first traced symbolically to find which convs can absorb their BatchNorm and
 * ReLU (fusionPlan.ts); the plan is cached. The first call of any kind builds
 * every weight tensor of the whole model, so later calls convert nothing.
 */
export class TfjsPreparedModel implements PreparedModel {
  readonly executor = 'tfjs' as const;

  private readonly params: TfjsParams;
  private readonly ops: TfjsOps;
  private readonly plans = new Map<string, FusionPlan>();
  private weightsReady = false;

  constructor(private readonly built: BuiltModel, stateDict: StateDict) {
    this.params = new TfjsParams(stateDict);
    this.ops = new TfjsOps(this.params, (s) => chooseConvForm(s)); // inference: the fastest forms
  }

  /**
   * Runs the model on an NCHW float32 input. Features-only models return one
   * NCHW tensor per selected level; otherwise `call` picks timm's forward
   * (logits, pooled or unpooled features) or forward_features.
   */
  async run(input: TensorData, call: ForwardCall = 'forward'): Promise<TensorData[]> {
    return this.runSync(input, call);
  }

  runSync(input: TensorData, call: ForwardCall = 'forward'): TensorData[] {
    if (this.built.featuresOnly) return this.runLevelsSync(input, this.built.outIndices);
    return this.execute(call, this.callForward(call), input);
  }

  async runLevels(input: TensorData, levels: readonly number[]): Promise<TensorData[]> {
    return this.runLevelsSync(input, levels);
  }

  /** Feature levels (ascending indices) of a features-only model, as NCHW tensors. */
  runLevelsSync(input: TensorData, levels: readonly number[]): TensorData[] {
    return this.execute(`levels ${levels.join(',')}`, this.levelsForward(levels), input);
  }

  dispose(): void {
    this.params.dispose();
  }

  private levelsForward(levels: readonly number[]): Forward {
    return (ops, x) => this.built.model.forwardLevels(ops, x, levels);
  }

  private callForward(call: ForwardCall): Forward {
    const { model } = this.built;
    return call === 'forward_features' ? (ops, x) => [model.forwardFeatures(ops, x)] : (ops, x) => [model.forwardHead(ops, model.forwardFeatures(ops, x))];
  }

  /** The deepest call this model offers: every feature level, or the whole forward. */
  private fullForward(): Forward {
    return this.built.featuresOnly ? this.levelsForward(this.built.model.featureInfo.map((_, i) => i)) : this.callForward('forward');
  }

  private execute(kind: string, forward: Forward, input: TensorData): TensorData[] {
    const [n, c, h, w] = input.shape;
    const dims: Dims4 = { n, c, h, w };
    this.prepareWeights(dims);
    const plan = this.planFor(kind, forward, dims);
    return this.collect(() => this.ops.withPlan(plan, () => forward(this.ops, this.inputTensor(input))));
  }

  private planFor(kind: string, forward: Forward, dims: Dims4): FusionPlan {
    const key = `${kind}|${dims.n}x${dims.c}x${dims.h}x${dims.w}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = planFusion(traceForward(forward, dims));
      this.plans.set(key, plan);
    }
    return plan;
  }

  private prepareWeights(dims: Dims4): void {
    if (this.weightsReady) return;
    const trace = traceForward(this.fullForward(), dims);
    this.ops.preload(trace, planFusion(trace));
    this.weightsReady = true;
  }

  private inputTensor(input: TensorData): tf.Tensor {
    return tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]);
  }

  /** Runs `forward` in one tidy scope and reads its outputs back as NCHW arrays. */
  private collect(forward: () => tf.Tensor[]): TensorData[] {
    const outputs = tf.tidy(() => forward().map((y) => (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y)));
    try {
      return outputs.map((y) => ({ shape: [...y.shape], data: y.dataSync() as Float32Array }));
    } finally {
      tf.dispose(outputs);
    }
  }
}

export const tfjsExecutor: Executor = {
  name: 'tfjs',
  prepare: async (built, weights) => new TfjsPreparedModel(built, weights),
};
