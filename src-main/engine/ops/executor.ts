/**
 * An executor turns a built model plus its weights into something that runs.
 * Two exist: tfjs (eager, also gives gradients) and ONNX Runtime (a graph
 * emitted from the same model definition).
 */
import type { BuiltModel } from '../zoo/builder';
import type { StateDict, TensorData } from '../weights/stateDict';

export type ForwardCall = 'forward' | 'forward_features';
export type ExecutorName = 'tfjs' | 'onnx';

export interface PreparedModel {
  readonly executor: ExecutorName;
  /**
   * Features-only models: one NCHW tensor per selected level. Otherwise timm's
   * forward (logits, pooled or unpooled features) or forward_features.
   */
  run(input: TensorData, call?: ForwardCall): Promise<TensorData[]>;
  /** Feature levels (ascending indices) as NCHW tensors; computes only as deep as needed. */
  runLevels(input: TensorData, levels: readonly number[]): Promise<TensorData[]>;
  dispose(): void;
}

export interface Executor {
  readonly name: ExecutorName;
  prepare(built: BuiltModel, weights: StateDict): Promise<PreparedModel>;
}
