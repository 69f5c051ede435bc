/**
 * The ONNX Runtime executor: the same model definition, run once through
 * OnnxGraphOps to emit a static-shape ONNX graph, then executed by ORT.
 *
 * Graphs are static per input shape (every pooling pad and reshape is worked
 * out for that size, so ORT can plan memory and pick kernels once), built on
 * first use and cached. Feature levels share one graph per deepest level: it
 * outputs every level up to that depth and a run fetches only those asked for,
 * so toggling shallower levels never rebuilds a session.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { BuiltModel } from '../zoo/builder';
import type { StateDict, TensorData } from '../weights/stateDict';
import type { Executor, ForwardCall, PreparedModel } from './executor';
import { OnnxGraph, OnnxGraphOps, type Sym } from './onnxGraphOps';
import { encodeModel, type OnnxModelProto } from './onnxProto';
import type { Ops } from './ops';
import { planFusion, traceForward } from './fusionPlan';
import { createOnnxSession } from './onnxSession';

/** What one graph computes: levels 0..deepest of a features model, or timm's forward / forward_features. */
export type GraphSpec = { kind: 'levels'; deepest: number } | { kind: ForwardCall };

const INPUT = 'input';
const levelName = (i: number) => `level_${i}`;

/** Emits the ONNX model of `spec` for one input shape (NCHW). */
export function buildOnnxModel(built: BuiltModel, weights: StateDict, spec: GraphSpec, inputShape: readonly number[]): OnnxModelProto {
  const { model } = built;
  const levels = spec.kind === 'levels' ? [...Array(spec.deepest + 1).keys()] : [];
  const forward = <T>(ops: Ops<T>, x: T): T[] =>
    spec.kind === 'levels' ? model.forwardLevels(ops, x, levels) : spec.kind === 'forward_features' ? [model.forwardFeatures(ops, x)] : [model.forwardHead(ops, model.forwardFeatures(ops, x))];
  const names = spec.kind === 'levels' ? levels.map(levelName) : [spec.kind === 'forward_features' ? 'features' : 'output'];
  const [n, c, h, w] = inputShape;
  const plan = planFusion(traceForward(forward, { n, c, h, w }));
  const graph = new OnnxGraph(weights);
  const outs: Sym[] = forward(new OnnxGraphOps(graph, plan), graph.input(INPUT, inputShape));
  return graph.toModel(outs.map((value, i) => ({ name: names[i], value })));
}

interface CachedSession {
  session: InferenceSession;
  /** Runs in flight; an evicted session is released when the last one ends. */
  busy: number;
  retired: boolean;
}

/** Sessions created and released in this process, for the soak (scripts/soak.ts): evicted ones must be released. */
export const onnxSessionCounts = { created: 0, released: 0 };

/** A small LRU of ORT sessions (each holds its own copy of the weights). */
class SessionCache {
  private readonly entries = new Map<string, Promise<CachedSession>>();

  constructor(private readonly limit: number) {}

  async use<R>(key: string, create: () => Promise<InferenceSession>, fn: (s: InferenceSession) => Promise<R>): Promise<R> {
    let pending = this.entries.get(key);
    if (pending) {
      this.entries.delete(key); // re-insert: most recently used last
    } else {
      pending = create().then((session) => (onnxSessionCounts.created++, { session, busy: 0, retired: false }));
      pending.catch(() => this.entries.get(key) === pending && this.entries.delete(key));
    }
    this.entries.set(key, pending);
    this.evict();
    const entry = await pending;
    entry.busy++;
    try {
      return await fn(entry.session);
    } finally {
      entry.busy--;
      release(entry);
    }
  }

  private evict(): void {
    while (this.entries.size > this.limit) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Promise<CachedSession>];
      this.entries.delete(oldest);
      void retire(entry);
    }
  }

  clear(): void {
    for (const entry of this.entries.values()) void retire(entry);
    this.entries.clear();
  }
}

async function retire(pending: Promise<CachedSession>): Promise<void> {
  try {
    const entry = await pending;
    entry.retired = true;
    release(entry);
  } catch {
    // a session that failed to build holds nothing
  }
}

function release(entry: CachedSession): void {
  if (entry.retired && entry.busy === 0) {
    onnxSessionCounts.released++;
    void entry.session.release();
  }
}

const MAX_SESSIONS = 4;

/** A built model bound to its weights on ONNX Runtime. */
export class OnnxPreparedModel implements PreparedModel {
  readonly executor = 'onnx' as const;
  private readonly sessions = new SessionCache(MAX_SESSIONS);

  /**
   * `built` must not change after this (resetClassifier before prepare):
   * graphs are emitted from it lazily and then cached.
   */
  constructor(private readonly built: BuiltModel, private readonly weights: StateDict) {}

  async run(input: TensorData, call: ForwardCall = 'forward'): Promise<TensorData[]> {
    if (this.built.featuresOnly) return this.runLevels(input, this.built.outIndices);
    const name = call === 'forward' ? 'output' : 'features';
    return this.runGraph({ kind: call }, input, [name]);
  }

  async runLevels(input: TensorData, levels: readonly number[]): Promise<TensorData[]> {
    if (levels.length === 0) return [];
    return this.runGraph({ kind: 'levels', deepest: Math.max(...levels) }, input, levels.map(levelName));
  }

  /** Runs (building and caching if needed) the graph of `spec` for this input's shape. */
  private runGraph(spec: GraphSpec, input: TensorData, fetch: string[]): Promise<TensorData[]> {
    const key = `${spec.kind === 'levels' ? `levels<=${spec.deepest}` : spec.kind}|${input.shape.join('x')}`;
    const create = () => createOnnxSession(encodeModel(buildOnnxModel(this.built, this.weights, spec, input.shape)));
    return this.sessions.use(key, create, async (session) => {
      const result = await session.run({ [INPUT]: new Tensor('float32', input.data, input.shape) }, fetch);
      return fetch.map((name) => {
        const t = result[name];
        return { shape: [...t.dims], data: t.data as Float32Array };
      });
    });
  }

  dispose(): void {
    this.sessions.clear();
  }
}

export const onnxExecutor: Executor = {
  name: 'onnx',
  prepare: async (built, weights) => new OnnxPreparedModel(built, weights),
};
