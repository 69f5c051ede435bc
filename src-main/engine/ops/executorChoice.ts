/**
 * Picks the executor that runs forward passes: ONNX Runtime (several times
 * faster on CPU, see the bench) when it loads, else tfjs.
 * PYRAMIDSCOPE_EXECUTOR=tfjs|onnx forces one. Gradients (effective receptive
 * field, Grad-CAM) always use tfjs, which ONNX Runtime cannot provide.
 */
import type { Executor, ExecutorName } from './executor';
import { tfjsExecutor } from './tfjsExecutor';
import { EngineError } from '../errors';

export interface ExecutorStatus {
  executor: Executor;
  /** Why ONNX Runtime is not in use, when it is not. */
  skipped?: string;
}

const NAMES: readonly ExecutorName[] = ['onnx', 'tfjs'];
let chosen: Promise<ExecutorStatus> | undefined;

export function chooseExecutor(forced = process.env.PYRAMIDSCOPE_EXECUTOR): Promise<ExecutorStatus> {
  chosen ??= (async () => {
    if (forced && !(NAMES as readonly string[]).includes(forced)) {
      throw new EngineError('BAD_EXECUTOR', `PYRAMIDSCOPE_EXECUTOR='${forced}' is not an executor; allowed: ${NAMES.join(', ')}`);
    }
    if (forced === 'tfjs') return { executor: tfjsExecutor, skipped: 'PYRAMIDSCOPE_EXECUTOR=tfjs' };
    try {
      // Loaded lazily: onnxruntime-node is a native module, and a platform without it still has tfjs.
      const { onnxExecutor } = await import('./onnxExecutor');
      return { executor: onnxExecutor };
    } catch (e) {
      const reason = `onnxruntime-node did not load: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`;
      if (forced === 'onnx') throw new EngineError('NO_EXECUTOR', reason);
      return { executor: tfjsExecutor, skipped: reason };
    }
  })();
  return chosen;
}
