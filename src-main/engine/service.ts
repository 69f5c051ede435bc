/**
 * The engine behind the contract: validates each request, runs the zoo, and
 * answers with plain data (typed arrays for features). Runs wherever the host
 * puts it (worker thread, Electron utility process, CLI, tests); never imports
 * electron.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  requestSchemas,
  validationError,
  type Channel,
  type ComputedLevel,
  type ComputeResult,
  type ContractError,
  type EngineInfo,
  type Events,
  type EventName,
  type ImageSource,
  type ModelSummary,
  type PenultimateResult,
  type GradientRequest,
  type GradientResult,
  type Prediction,
  type ResponseOf,
  type SampleInfo,
  type WeightsChoice,
  type InputSize,
} from '../../src-shared/contract';
import { initBackend } from './backend';
import { EngineError } from './errors';
import { getEntry, listEntries } from './zoo/registry';
import { describeLevels, resolveSettings, summarize, type ResolvedSettings } from './zoo/describe';
import { createModel, givenOutputStride } from './zoo/builder';
import { chooseExecutor } from './ops/executorChoice';
import type { PreparedModel } from './ops/executor';
import { onnxRuntimeStatus } from './ops/onnxSession';
import type { TensorData } from './weights/stateDict';
import { WeightsSource, pickPretrained, type ResolvedWeights } from './weights/weightsSource';
import { hubCacheDir, listCachedRepos, removeCachedRepo } from './weights/hubCache';
import { topPredictions } from './predictions';
import type { PretrainedCfg } from './zoo/model';
import { resourcesDir } from './resources';
import { decodeImage } from './image/decode';
import { evalTransform } from './image/transform';
import { levelGeometry } from './explore/geometry';
import { PenultimateRunner } from './explore/penultimate';
import { GradientRunner } from './explore/gradients';
import { loadGradients } from './explore/registerGradients';
import { softmax, imagenetClassNames } from './predictions';
import type { RgbImage } from './image/decode';
import { encodeLevels, type Transfer } from './levelTransfer';

export const ENGINE_VERSION = '0.1.0';
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

interface PreparedEntry {
  key: string;
  prepared: PreparedModel;
  /** Feature levels of the model at this output stride. */
  levelCount: number;
  weights: ResolvedWeights;
  /** The full model with its classifier, when the weights carry an ImageNet-1k head. */
  classifier?: PreparedModel;
}

interface FeatureCacheEntry {
  key: string;
  levels: Map<number, TensorData>;
  input: RgbImage;
  predictions?: Prediction[];
}

/** True when the weights hold the full model's classifier with 1000 classes (ImageNet-1k labels). */
function hasImagenetHead(fullParams: ReadonlyArray<{ key: string; shape: readonly number[] }>, w: ResolvedWeights): boolean {
  if (w.cfg.numClasses !== 1000) return false;
  return fullParams.every((p) => w.stateDict.get(p.key)?.shape.join() === p.shape.join());
}

/** A small LRU that disposes what it evicts. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly capacity: number,
    private readonly onEvict: (v: V) => void = () => {},
  ) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.capacity) {
      const [oldKey, old] = this.map.entries().next().value as [string, V];
      this.map.delete(oldKey);
      this.onEvict(old);
    }
  }
  clear(): void {
    for (const v of this.map.values()) this.onEvict(v);
    this.map.clear();
  }
}

/** timm's eval transform with the weights' data config, at the chosen input size. */
function preprocess(decoded: RgbImage, r: ResolvedSettings, cfg: PretrainedCfg) {
  return evalTransform(decoded, {
    inputSize: [3, r.inputSize[0], r.inputSize[1]],
    cropPct: cfg.cropPct,
    cropMode: cfg.cropMode,
    interpolation: cfg.interpolation,
    mean: cfg.mean,
    std: cfg.std,
  });
}

export function toContractError(e: unknown): ContractError {
  if (e instanceof EngineError) return { code: e.code, message: e.message, details: e.details };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message };
}

export class EngineService {
  private summaries?: ModelSummary[];
  private readonly prepared = new Lru<PreparedEntry>(2, (p) => {
    p.prepared.dispose();
    p.classifier?.dispose();
  });
  private readonly weightsSource: WeightsSource;
  private readonly features = new Lru<FeatureCacheEntry>(2);
  private readonly decoded = new Lru<RgbImage>(2);
  private runCounter = 0;
  private readonly penultimateRunner = new PenultimateRunner();
  private readonly gradientRunner = new GradientRunner();

  constructor(private readonly emit: Emit = () => {}) {
    this.weightsSource = new WeightsSource({ onProgress: (repoId, p) => this.emit('weights:progress', { repoId, ...p }) });
  }

  /** Validates and dispatches one contract call. Throws EngineError on bad input. */
  async handle<C extends Channel>(channel: C, payload: unknown): Promise<ResponseOf<C>> {
    const schema = requestSchemas[channel];
    if (!schema) throw new EngineError('UNKNOWN_CHANNEL', `unknown channel '${String(channel)}'; allowed: ${Object.keys(requestSchemas).join(', ')}`);
    const parsed = schema.safeParse(payload ?? {});
    if (!parsed.success) {
      const err = validationError(channel, parsed.error.issues);
      throw new EngineError(err.code, err.message, err.details);
    }
    const req = parsed.data as never;
    switch (channel) {
      case 'engine:info':
        return (await this.info()) as ResponseOf<C>;
      case 'zoo:list':
        return { models: this.listModels() } as ResponseOf<C>;
      case 'zoo:describe':
        return this.describe(req) as ResponseOf<C>;
      case 'samples:list':
        return { samples: this.samples() } as ResponseOf<C>;
      case 'features:compute':
        return (await this.compute(req)) as ResponseOf<C>;
      case 'explore:geometry':
        return levelGeometry(req) as ResponseOf<C>;
      case 'explore:penultimate':
        return (await this.penultimate(req)) as ResponseOf<C>;
      case 'explore:gradient':
        return (await this.gradient(req)) as ResponseOf<C>;
      case 'weights:list':
        return (await this.listWeights()) as ResponseOf<C>;
      case 'weights:download':
        return (await this.downloadWeights(req)) as ResponseOf<C>;
      case 'weights:cancel':
        return { cancelled: this.weightsSource.cancel((req as { repoId: string }).repoId) } as ResponseOf<C>;
      case 'weights:remove':
        return (await this.removeWeights(req)) as ResponseOf<C>;
    }
    throw new EngineError('UNKNOWN_CHANNEL', `unknown channel '${String(channel)}'`);
  }

  async info(): Promise<EngineInfo> {
    const b = await initBackend();
    const x = await chooseExecutor();
    return {
      version: ENGINE_VERSION,
      backend: await this.executorLabel(),
      executor: x.executor.name,
      tfjsBackend: b.label,
      backendChoice: b.choice,
      skipped: [...(x.skipped ? [{ choice: 'onnx', reason: x.skipped }] : []), ...b.skipped],
    };
  }

  /** What the UI shows as the backend: the executor that runs forward passes, and on what. */
  private async executorLabel(): Promise<string> {
    const { executor } = await chooseExecutor();
    if (executor.name === 'tfjs') return (await initBackend()).label;
    return `onnxruntime (${onnxRuntimeStatus()?.provider ?? 'cpu'})`;
  }

  listModels(): ModelSummary[] {
    this.summaries ??= listEntries().map(summarize);
    return this.summaries;
  }

  describe(req: { model: string; outIndices?: number[]; outputStride?: number; inputSize?: InputSize }) {
    const r = resolveSettings(getEntry(req.model), req);
    return { model: r.entry.name, outIndices: r.outIndices, outputStride: r.outputStride, inputSize: r.inputSize, levels: describeLevels(r) };
  }

  samples(): SampleInfo[] {
    return JSON.parse(readFileSync(path.join(resourcesDir(), 'samples', 'samples.json'), 'utf8')) as SampleInfo[];
  }

  /** The image's pixels, decoded once per image (by sample name or content hash). */
  private decodedImage(src: ImageSource): { img: { key: string; name: string }; decoded: RgbImage } {
    const img = this.imageBytes(src);
    let decoded = this.decoded.get(img.key);
    if (!decoded) {
      decoded = decodeImage(img.bytes, img.name);
      this.decoded.set(img.key, decoded);
    }
    return { img, decoded };
  }

  private imageBytes(src: ImageSource): { key: string; bytes: Uint8Array; name: string } {
    if (src.kind === 'sample') {
      const s = this.samples().find((x) => x.name === src.name);
      if (!s) throw new EngineError('UNKNOWN_SAMPLE', `unknown sample '${src.name}'; allowed: ${this.samples().map((x) => x.name).join(', ')}`);
      return { key: `sample:${s.name}`, bytes: new Uint8Array(readFileSync(path.join(resourcesDir(), 'samples', s.file))), name: s.file };
    }
    if (src.bytes.byteLength > MAX_IMAGE_BYTES) {
      throw new EngineError('IMAGE_TOO_LARGE', `image file '${src.name}' is ${src.bytes.byteLength} bytes; allowed: at most ${MAX_IMAGE_BYTES} bytes`);
    }
    return { key: `sha256:${createHash('sha256').update(src.bytes).digest('hex')}`, bytes: src.bytes, name: src.name };
  }

  async listWeights(): Promise<ResponseOf<'weights:list'>> {
    const repos = await listCachedRepos();
    const local = this.weightsSource.local;
    return {
      cacheDir: hubCacheDir(),
      repos: repos.map((r) => ({ repoId: r.repoId, sizeBytes: r.sizeBytes, revisions: Object.keys(r.refs) })),
      localDir: local.dir,
      local: await local.list(),
    };
  }

  async downloadWeights(req: { tag: string }): Promise<ResponseOf<'weights:download'>> {
    const [arch] = req.tag.split('.');
    const cfg = pickPretrained(getEntry(arch), req.tag);
    const r = await this.weightsSource.download(cfg.hfHubId);
    return { repoId: cfg.hfHubId, path: r.path, sizeBytes: r.size, fromCache: r.fromCache };
  }

  async removeWeights(req: { repoId: string } | { sha256: string }): Promise<ResponseOf<'weights:remove'>> {
    if ('sha256' in req) return this.weightsSource.local.remove(req.sha256);
    const r = await removeCachedRepo(req.repoId);
    return { removed: r !== null, freedBytes: r?.freedBytes ?? 0 };
  }

  /** The features-only model on its weights, cached by (model, stride, weights). */
  private async preparedModel(r: ResolvedSettings, choice: WeightsChoice): Promise<PreparedEntry> {
    // The full model's parameters: what a checkpoint is checked against.
    const full = createModel(r.entry.name);
    const weights = await this.weightsSource.resolve(r.entry, choice, full.model.registry);
    const key = `${r.entry.name}|os${r.outputStride}|${weights.key}`;
    let hit = this.prepared.get(key);
    if (!hit) {
      const built = createModel(r.entry.name, { featuresOnly: true, outputStride: givenOutputStride(r.entry.name, r.outputStride) });
      const { executor } = await chooseExecutor();
      hit = { key, prepared: await executor.prepare(built, weights.stateDict), levelCount: built.model.featureInfo.length, weights };
      if (choice.kind !== 'random' && hasImagenetHead(full.model.registry.list().map((p) => p.ref), weights)) {
        hit.classifier = await executor.prepare(full, weights.stateDict);
      }
      this.prepared.set(key, hit);
    }
    return hit;
  }

  async compute(req: {
    model: string;
    outIndices?: number[];
    outputStride?: number;
    inputSize?: InputSize;
    image: ImageSource;
    weights: WeightsChoice;
    runId?: string;
    transfer?: Transfer;
  }): Promise<ComputeResult> {
    const t0 = performance.now();
    const runId = req.runId ?? `run-${++this.runCounter}`;
    const backend = await initBackend();
    const r = resolveSettings(getEntry(req.model), req);
    const described = describeLevels(r);

    this.emit('engine:progress', { runId, stage: 'decode', message: 'decoding the image' });
    const { img, decoded } = this.decodedImage(req.image);
    const t1 = performance.now();

    this.emit('engine:progress', { runId, stage: 'build', message: `preparing ${r.entry.name}` });
    const model = await this.preparedModel(r, req.weights);
    const tPrepared = performance.now();
    const cfg = model.weights.cfg;
    const pre = preprocess(decoded, r, cfg);
    const t2 = performance.now();

    this.emit('engine:progress', { runId, stage: 'forward', message: `running ${r.entry.name}` });
    const featureKey = `${model.key}|${img.key}|${r.inputSize.join('x')}`;
    const cached = await this.levelsFor(model, featureKey, pre, r.outIndices);
    const t3 = performance.now();
    const levels: ComputedLevel[] = encodeLevels(
      described.map((d) => {
        const t = cached.levels.get(d.index) as TensorData;
        return { ...d, shape: [t.shape[1], t.shape[2], t.shape[3]], data: t.data };
      }),
      req.transfer ?? 'auto',
    );
    this.emit('engine:progress', { runId, stage: 'done', message: 'done' });
    return {
      runId,
      model: r.entry.name,
      outIndices: r.outIndices,
      outputStride: r.outputStride,
      inputSize: r.inputSize,
      backend: model.prepared.executor === 'onnx' ? await this.executorLabel() : backend.label,
      weightsLabel: model.weights.label,
      weights: model.weights.source,
      predictions: cached.predictions,
      preprocessing: { mean: cfg.mean, std: cfg.std, cropPct: cfg.cropPct, cropMode: cfg.cropMode, interpolation: cfg.interpolation },
      input: { width: pre.cropped.width, height: pre.cropped.height, rgb: pre.cropped.data },
      levels,
      timings: { decodeMs: t1 - t0, prepareMs: tPrepared - t1, preprocessMs: t2 - tPrepared, forwardMs: t3 - t2, totalMs: performance.now() - t0 },
    };
  }

  /**
   * The wanted levels, from the feature cache when it has them all. A forward
   * pass keeps every level up to the deepest wanted one (they come for free),
   * so a later out_indices subset reuses it.
   */
  private async levelsFor(model: PreparedEntry, key: string, pre: { tensor: TensorData; cropped: RgbImage }, wanted: number[]): Promise<FeatureCacheEntry> {
    const cached = this.features.get(key);
    if (cached && wanted.every((i) => cached.levels.has(i))) return cached;
    // tfjs runs only as deep as asked. ONNX Runtime builds one session per deepest level and
    // input size (about a second); running all levels once costs milliseconds, and then any
    // out_indices change is served from this cache.
    const deepest = model.prepared.executor === 'onnx' ? Math.max(...wanted, model.levelCount - 1) : Math.max(...wanted);
    const upTo = [...Array(deepest + 1).keys()];
    const outs = await model.prepared.runLevels(pre.tensor, upTo);
    const entry: FeatureCacheEntry = { key, levels: new Map(upTo.map((i, k) => [i, outs[k]])), input: pre.cropped };
    if (model.classifier) {
      const [logits] = await model.classifier.run(pre.tensor, 'forward');
      entry.predictions = topPredictions(logits.data, 5);
    }
    this.features.set(key, entry);
    return entry;
  }

  /** The explorer's channels run on the same weights and preprocessing as compute. */
  private async explorePrepare(req: { model: string; outputStride?: number; inputSize?: InputSize; image: ImageSource; weights: WeightsChoice }) {
    await initBackend();
    const r = resolveSettings(getEntry(req.model), req);
    const { decoded } = this.decodedImage(req.image);
    const model = await this.preparedModel(r, req.weights);
    return { r, weights: model.weights, input: preprocess(decoded, r, model.weights.cfg).tensor };
  }

  /** Explorer: forward_features and the pooled pre-logits vector. */
  async penultimate(req: { model: string; outputStride?: number; inputSize?: InputSize; image: ImageSource; weights: WeightsChoice }): Promise<PenultimateResult> {
    const { r, weights, input } = await this.explorePrepare(req);
    const out = this.penultimateRunner.run(r.entry.name, r.outputStride, weights.key, weights.stateDict, input);
    const [, c, h, w] = out.features.shape;
    return {
      model: r.entry.name,
      outputStride: r.outputStride,
      weightsLabel: weights.label,
      features: { shape: [c, h, w], data: out.features.data },
      pooled: out.pooled.data,
      globalPool: out.globalPool,
    };
  }

  /** Explorer: a cell's effective receptive field, or Grad-CAM for a class. */
  async gradient(req: { model: string; outputStride?: number; inputSize?: InputSize; image: ImageSource; weights: WeightsChoice; target: GradientRequest['target'] }): Promise<GradientResult> {
    // The request is checked (model, settings, image, weights) before gradients are loaded, so a bad field is named as such.
    const { r, weights, input } = await this.explorePrepare(req);
    await loadGradients();
    const m = { model: r.entry.name, outputStride: r.outputStride, weightsKey: weights.key, stateDict: weights.stateDict };
    const base = { model: r.entry.name, outputStride: r.outputStride, weightsLabel: weights.label, target: req.target };
    if (req.target.kind === 'cell') {
      const g = this.gradientRunner.effectiveReceptiveField(m, input, req.target);
      return { ...base, height: g.height, width: g.width, map: g.data };
    }
    const g = this.gradientRunner.gradCam(m, input, { classIndex: req.target.classIndex, level: req.target.level });
    const p = softmax(g.logits);
    const names = g.logits.length === 1000 ? imagenetClassNames() : [];
    const at = g.level === undefined ? {} : { level: g.level, module: g.module };
    return { ...base, height: g.height, width: g.width, map: g.data, classIndex: g.classIndex, label: names[g.classIndex] ?? `class ${g.classIndex}`, probability: p[g.classIndex], ...at };
  }

  dispose(): void {
    this.weightsSource.forget();
    this.penultimateRunner.dispose();
    this.gradientRunner.dispose();
    this.prepared.clear();
    this.features.clear();
  }
}
