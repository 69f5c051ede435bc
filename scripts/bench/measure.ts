/**
 * One benchmark measurement in a fresh process, so that first-run latency and
 * peak RSS belong to this model and executor alone:
 *
 *   node --import tsx scripts/bench/measure.ts <model> <tfjs|onnx> <runs> <size>
 *
 * Prints one JSON line (a Measurement). The weights are the deterministic
 * formula weights: generating them stands in for reading a checkpoint and is
 * not timed; building the model, preparing the weights for the executor and
 * the first forward are.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src-main/engine/backend';
import { createModel } from '../../src-main/engine/zoo/builder';
import { formulaInput, formulaStateDict } from '../../src-main/engine/weights/formula';
import { tfjsExecutor } from '../../src-main/engine/ops/tfjsExecutor';
import type { Executor } from '../../src-main/engine/ops/executor';

export interface Measurement {
  model: string;
  executor: string;
  /** What ran it, e.g. 'wasm (2 threads)' or 'onnxruntime cpu'. */
  runtime: string;
  /** Starting the backend (wasm instantiate, threads), before the model. */
  backendStartMs: number;
  /** Model build + weight preparation + first forward. */
  firstRunMs: number;
  timesMs: number[];
  peakRssBytes: number;
}

export const WARM_UP_RUNS = 2;

/** The ONNX executor is optional: loaded only where its module exists. */
const ONNX_MODULE = new URL('../../src-main/engine/ops/onnxExecutor.ts', import.meta.url);

export function onnxExecutorAvailable(): boolean {
  return existsSync(fileURLToPath(ONNX_MODULE));
}

async function loadExecutor(name: string): Promise<{ executor: Executor; runtime: string; startMs: number }> {
  const t0 = performance.now();
  if (name === 'tfjs') {
    const b = await initBackend();
    const runtime = b.threads ? `${b.label} (${b.threads} thread${b.threads > 1 ? 's' : ''})` : b.label;
    return { executor: tfjsExecutor, runtime, startMs: performance.now() - t0 };
  }
  if (name === 'onnx') {
    if (!onnxExecutorAvailable()) throw new Error('the ONNX executor (src-main/engine/ops/onnxExecutor.ts) is not in this tree');
    const mod = (await import(ONNX_MODULE.href)) as { onnxExecutor: Executor };
    return { executor: mod.onnxExecutor, runtime: 'onnxruntime-node', startMs: performance.now() - t0 };
  }
  throw new Error(`unknown executor '${name}'; allowed: tfjs, onnx`);
}

export async function measure(model: string, executorName: string, runs: number, size: number): Promise<Measurement> {
  const { executor, runtime, startMs } = await loadExecutor(executorName);
  const refs = createModel(model).model.registry.list().map((p) => p.ref);
  const weights = formulaStateDict(refs);
  const input = { shape: [1, 3, size, size], data: formulaInput([1, 3, size, size]) };

  const t0 = performance.now();
  const built = createModel(model, { featuresOnly: true });
  const prepared = await executor.prepare(built, weights);
  await prepared.run(input);
  const firstRunMs = performance.now() - t0;
  try {
    for (let i = 0; i < WARM_UP_RUNS; i++) await prepared.run(input);
    const timesMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await prepared.run(input);
      timesMs.push(performance.now() - t);
    }
    return { model, executor: executorName, runtime, backendStartMs: startMs, firstRunMs, timesMs, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    prepared.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [model, executorName, runs, size] = process.argv.slice(2);
  measure(model, executorName, Number(runs), Number(size))
    .then((m) => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      // ORT and the wasm thread pool may hold handles; the measurement is done.
      process.exit(0);
    })
    .catch((e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
}
