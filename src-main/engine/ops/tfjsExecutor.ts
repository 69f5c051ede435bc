import * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from '../zoo/builder';
import type { StateDict, TensorData } from '../weights/stateDict';
import { TfjsParams } from './tfjsParams';
import { TfjsOps } from './tfjsOps';
import type { Executor, ForwardCall, PreparedModel } from './executor';

/** A built model bound to its weights on the tfjs backend. */
export class TfjsPreparedModel implements PreparedModel {
  readonly executor = 'tfjs' as const;

  private readonly params: TfjsParams;
  private readonly ops: TfjsOps;

  constructor(private readonly built: BuiltModel, stateDict: StateDict) {
    this.params = new TfjsParams(stateDict);
    this.ops = new TfjsOps(this.params);
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
    const { model } = this.built;
    return this.collect(() => {
      const x = this.inputTensor(input);
      if (this.built.featuresOnly) return model.forwardLevels(this.ops, x, this.built.outIndices);
      if (call === 'forward_features') return [model.forwardFeatures(this.ops, x)];
      return [model.forwardHead(this.ops, model.forwardFeatures(this.ops, x))];
    });
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

  async runLevels(input: TensorData, levels: readonly number[]): Promise<TensorData[]> {
    return this.runLevelsSync(input, levels);
  }

  /** Feature levels (ascending indices) of a features-only model, as NCHW tensors. */
  runLevelsSync(input: TensorData, levels: readonly number[]): TensorData[] {
    return this.collect(() => this.built.model.forwardLevels(this.ops, this.inputTensor(input), levels));
  }

  dispose(): void {
    this.params.dispose();
  }
}

export const tfjsExecutor: Executor = {
  name: 'tfjs',
  prepare: async (built, weights) => new TfjsPreparedModel(built, weights),
};
