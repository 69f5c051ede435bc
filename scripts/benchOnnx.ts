/**
 * ONNX Runtime executor vs the tfjs executor on one model: prints graph build,
 * encode and session-create times, then the median of N warm forward passes.
 *
 *   npx tsx scripts/benchOnnx.ts [model=resnet50] [size=224] [runs=15]
 *
 * Also compares the two ways to serve feature levels from ONNX: a graph whose
 * outputs are exactly the requested levels, against the executor's graph that
 * outputs every level up to the deepest one and fetches only those asked for.
 */
import { Tensor } from 'onnxruntime-node';
import { initBackend } from '../src-main/engine/backend';
import { createModel } from '../src-main/engine/zoo/builder';
import { formulaInput, formulaStateDict } from '../src-main/engine/weights/formula';
import { TfjsPreparedModel } from '../src-main/engine/ops/tfjsExecutor';
import { OnnxPreparedModel, buildOnnxModel } from '../src-main/engine/ops/onnxExecutor';
import { OnnxGraph, OnnxGraphOps } from '../src-main/engine/ops/onnxGraphOps';
import { encodeModel } from '../src-main/engine/ops/onnxProto';
import { createOnnxSession, onnxRuntimeStatus } from '../src-main/engine/ops/onnxSession';
import type { TensorData } from '../src-main/engine/weights/stateDict';

const [name = 'resnet50', sizeArg = '224', runsArg = '15'] = process.argv.slice(2);
const size = Number(sizeArg);
const runs = Number(runsArg);

async function median(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up: kernels chosen, caches filled
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const med = mid(times);
  // CPU time (all threads) is less disturbed than wall time when other work shares the cores.
  console.log(
    `${label.padEnd(48)} median ${med.toFixed(1).padStart(7)} ms  (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, n=${runs}; cpu ${mid(cpu).toFixed(0)} ms)`,
  );
  return med;
}

function timed<R>(label: string, fn: () => R): R {
  const t0 = performance.now();
  const r = fn();
  console.log(`${label.padEnd(48)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`);
  return r;
}

async function main(): Promise<void> {
  const built = createModel(name, { featuresOnly: true });
  const levels = built.outIndices;
  const full = createModel(name);
  // The full model's parameters (with the classifier) serve both builds.
  const weights = formulaStateDict(full.model.registry.list().map((p) => p.ref));
  const input: TensorData = { shape: [1, 3, size, size], data: formulaInput([1, 3, size, size]) };
  console.log(`${name} features_only, levels ${levels.join(',')}, input 1×3×${size}×${size}`);

  // Cost of a new (spec, input shape): what the first run of a setting pays.
  const proto = timed('onnx: emit graph', () => buildOnnxModel(built, weights, { kind: 'levels', deepest: Math.max(...levels) }, input.shape));
  const bytes = timed('onnx: encode ModelProto', () => encodeModel(proto));
  const t0 = performance.now();
  const session = await createOnnxSession(bytes);
  console.log(`${'onnx: create session (optimisation level all)'.padEnd(48)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms  (${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${onnxRuntimeStatus()?.provider})`);
  await session.release();

  const onnx = new OnnxPreparedModel(built, weights);
  const deepest = Math.max(...levels);
  await median('onnx: all levels', () => onnx.runLevels(input, levels));
  await median(`onnx: level ${deepest} from the levels≤${deepest} graph`, () => onnx.runLevels(input, [deepest]));

  // The alternative: a graph whose only output is the requested level.
  const graph = new OnnxGraph(weights);
  const x = graph.input('input', input.shape);
  const [only] = built.model.forwardLevels(new OnnxGraphOps(graph), x, [deepest]);
  const exact = await createOnnxSession(encodeModel(graph.toModel([{ name: 'y', value: only }])));
  await median(`onnx: level ${deepest} from a graph with only it`, () => exact.run({ input: new Tensor('float32', input.data, input.shape) }));
  await exact.release();
  onnx.dispose();

  const backend = await initBackend(process.env.PYRAMIDSCOPE_BACKEND ?? 'wasm');
  const tfjs = new TfjsPreparedModel(built, weights);
  await median(`tfjs (${backend.label}): all levels`, () => tfjs.runLevelsSync(input, levels));
  tfjs.dispose();

  const onnxLogits = new OnnxPreparedModel(full, weights);
  const tfjsLogits = new TfjsPreparedModel(full, weights);
  await median('onnx: forward (logits)', () => onnxLogits.run(input));
  await median(`tfjs (${backend.label}): forward (logits)`, () => tfjsLogits.runSync(input));
  onnxLogits.dispose();
  tfjsLogits.dispose();
}

await main();
