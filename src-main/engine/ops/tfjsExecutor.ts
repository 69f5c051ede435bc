import * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from '../zoo/builder';
import type { StateDict, TensorData } from '../weights/stateDict';
import { TfjsParams } from './tfjsParams';
import { TfjsOps } from './tfjsOps';

export type ForwardCall = 'forward' | 'forward_features';

/** A built model bound to its weights on the tfjs backend. */
export class TfjsPreparedModel {
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
  run(input: TensorData, call: ForwardCall = 'forward'): TensorData[] {
    const outputs = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]);
      const { model } = this.built;
      let ys: tf.Tensor[];
      if (this.built.featuresOnly) ys = model.forwardLevels(this.ops, x, this.built.outIndices);
      else if (call === 'forward_features') ys = [model.forwardFeatures(this.ops, x)];
      else ys = [model.forwardHead(this.ops, model.forwardFeatures(this.ops, x))];
      return ys.map((y) => (y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y));
    });
    try {
      return outputs.map((y) => ({ shape: [...y.shape], data: y.dataSync() as Float32Array }));
    } finally {
      tf.dispose(outputs);
    }
  }

  dispose(): void {
    this.params.dispose();
  }
}
