/**
 * The one contract between the UI and the engine, whichever transport carries
 * it (Electron IPC or WebSocket in web mode). Each channel maps a request
 * schema (validated with zod on the engine side) to a response type.
 * Renderer → engine is request/response only; engine → renderer is events only.
 */
import type { InputSizeRule } from './inputSizeRule';
import { z } from 'zod';

const int = () => z.number().int();
const MAX_NAME = 200;

export const ImageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sample'), name: z.string().min(1).max(MAX_NAME) }),
  z.object({
    kind: z.literal('file'),
    name: z.string().max(1000),
    bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected the file\'s bytes as a Uint8Array'),
  }),
]);
export type ImageSource = z.infer<typeof ImageSourceSchema>;

export const WeightsChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random') }),
  /** timm's pretrained weights from the hub (or its cache); tag as timm names it, e.g. 'resnet50.a1_in1k'. */
  z.object({ kind: z.literal('pretrained'), tag: z.string().max(MAX_NAME).optional() }),
  /**
   * A local .safetensors file: its bytes the first time; after that its sha256,
   * which names it in the engine's local weights store (weights:list shows it).
   */
  z.object({
    kind: z.literal('file'),
    name: z.string().max(1000),
    bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected the file\'s bytes as a Uint8Array').optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256: 64 lowercase hex digits').optional(),
  }),
]).refine((w) => w.kind !== 'file' || (w.bytes === undefined) !== (w.sha256 === undefined), { message: "a weights file needs its bytes or its sha256 (exactly one)", path: ['bytes'] });
export type WeightsChoice = z.infer<typeof WeightsChoiceSchema>;

/** An input size in pixels: N for N×N, or [H, W] (timm's img_size / input_size[1:]). */
export const InputSizeSchema = z.union([int(), z.tuple([int(), int()])]);
export type InputSize = z.infer<typeof InputSizeSchema>;

/** [H, W] of an input size. */
export function inputHW(size: InputSize): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** out_indices, output_stride and input size as the user chose them (checked by the engine). */
export const PyramidSettingsSchema = z.object({
  model: z.string().min(1).max(MAX_NAME),
  outIndices: z.array(int()).max(64).optional(),
  outputStride: int().optional(),
  /** Input size in pixels (N or [H, W]); default: the model's pretrained input size. */
  inputSize: InputSizeSchema.optional(),
});
export type PyramidSettings = z.infer<typeof PyramidSettingsSchema>;

export const ComputeRequestSchema = PyramidSettingsSchema.extend({
  image: ImageSourceSchema,
  weights: WeightsChoiceSchema.default({ kind: 'random' }),
  /** Chosen by the caller so progress events and cancellation can name the run. */
  runId: z.string().max(100).optional(),
  /**
   * A newer compute in the same group supersedes this one while it still waits
   * in the engine's queue (it fails with CANCELLED): a changed setting does not
   * queue behind stale runs. The UI uses one group per pane.
   */
  cancelGroup: z.string().max(100).optional(),
  /**
   * How levels travel: 'float32' exact; 'float16' half the bytes (about three
   * significant digits, enough for display); 'auto' float16 once the pyramid
   * passes FLOAT16_ABOVE_BYTES as float32, each level that fits float16's range.
   */
  transfer: z.enum(['auto', 'float32', 'float16']).default('auto'),
});
export type ComputeRequest = z.input<typeof ComputeRequestSchema>;

/**
 * Explorer: receptive field, stride and dilation of every level (no weights, no image).
 * Every level comes back, so out_indices plays no part (one sent along is dropped, as any unknown key).
 */
export const GeometryRequestSchema = PyramidSettingsSchema.omit({ outIndices: true });

/** Explorer: timm's forward_features map and the pooled pre-logits vector for an image. */
export const PenultimateRequestSchema = ComputeRequestSchema.omit({ outIndices: true });
export type PenultimateRequest = z.input<typeof PenultimateRequestSchema>;

/** Explorer: the effective receptive field of one cell, or Grad-CAM for a class at forward_features or a feature level. */
export const GradientRequestSchema = ComputeRequestSchema.omit({ outIndices: true }).extend({
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('cell'), level: int().min(0), row: int().min(0), col: int().min(0), channel: int().min(0).optional() }),
    /** `level`: a feature_info index (as the cell target's); absent: forward_features. */
    z.object({ kind: z.literal('class'), classIndex: int().min(0).optional(), level: int().min(0).optional() }),
  ]),
});
export type GradientRequest = z.input<typeof GradientRequestSchema>;

export const requestSchemas = {
  'explore:geometry': GeometryRequestSchema,
  'explore:penultimate': PenultimateRequestSchema,
  'explore:gradient': GradientRequestSchema,
  'engine:info': z.object({}),
  'zoo:list': z.object({}),
  'zoo:describe': PyramidSettingsSchema,
  'samples:list': z.object({}),
  'features:compute': ComputeRequestSchema,
  'weights:list': z.object({}),
  /** Downloads a pretrained tag's weights into the cache (no-op when cached). */
  'weights:download': z.object({ tag: z.string().min(1).max(MAX_NAME) }),
  'weights:cancel': z.object({ repoId: z.string().min(1).max(MAX_NAME) }),
  /** Removes a hub repo from the cache, or a local file from the local weights store. */
  'weights:remove': z.union([z.object({ repoId: z.string().min(1).max(MAX_NAME) }), z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) })]),
} as const;

export type Channel = keyof typeof requestSchemas;
export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export interface LevelInfo {
  index: number;
  module: string;
  numChs: number;
  reduction: number;
  /**
   * Set on levels that are parallel branches finishing together (HRNet's
   * four resolutions), not steps of a chain: the branch's index.
   */
  branch?: number;
}

export interface PretrainedTag {
  name: string;
  hfHubId: string;
  inputSize: [number, number, number];
  cropPct: number;
  interpolation: string;
  mean: [number, number, number];
  std: [number, number, number];
  license?: string;
}

export interface ModelSummary {
  name: string;
  family: string;
  paramCount: number;
  /** Every feature level at output_stride 32. */
  levels: LevelInfo[];
  outputStrides: number[];
  defaultOutIndices: number[];
  defaultInputSize: [number, number, number];
  /** Which input sides run, where not every side does (HRNet, DLA, Inception-V3); absent: any side 16..2048. */
  inputSizeRule?: InputSizeRule;
  pretrained: PretrainedTag[];
}

export interface DescribedLevel extends LevelInfo {
  /** timm's NCHW shape without the batch: [C, H, W]. */
  shape: [number, number, number];
}

export interface Description {
  model: string;
  outIndices: number[];
  outputStride: number;
  inputSize: [number, number];
  levels: DescribedLevel[];
}

export interface RgbImageData {
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, row-major. */
  rgb: Uint8Array;
}

/** 'auto' transfer sends float16 above this many float32 bytes of pyramid (a ResNet-50 pyramid is 9 MiB at 224, 184 MiB at 1024). */
export const FLOAT16_ABOVE_BYTES = 48 * 2 ** 20;

export interface ComputedLevel extends DescribedLevel {
  dtype: 'float32' | 'float16';
  /** The level's features, [C, H, W] row-major: float32, or float16 bits (Uint16Array) when dtype is 'float16'. */
  data: Float32Array | Uint16Array;
}

/** A level's exact float32 values; a float16 level has none (compute it with transfer: 'float32'). */
export function float32Data(level: Pick<ComputedLevel, 'dtype' | 'data' | 'index'>): Float32Array {
  if (level.dtype !== 'float32' || !(level.data instanceof Float32Array)) throw new Error(`level ${level.index} came as ${level.dtype}; ask for transfer: 'float32' to get its exact values`);
  return level.data;
}

export interface Prediction {
  classIndex: number;
  label: string;
  probability: number;
}

export type WeightsSourceInfo =
  | { kind: 'random' }
  | { kind: 'pretrained'; tag: string; hfHubId: string }
  /** stored: kept in the local weights store, so later requests can name it by sha256 alone. */
  | { kind: 'file'; name: string; sha256: string; stored: boolean };

/** A local .safetensors file kept by the engine, named by its content. */
export interface LocalWeightsInfo {
  sha256: string;
  name: string;
  sizeBytes: number;
}

export interface CachedWeights {
  repoId: string;
  sizeBytes: number;
  revisions: string[];
}

export interface ComputeResult extends Description {
  runId: string;
  backend: string;
  /** What the maps were computed with, e.g. 'random init (formula-v1)'. */
  weightsLabel: string;
  weights: WeightsSourceInfo;
  /** Top-5 ImageNet-1k classes, when the weights include a 1000-class classifier. */
  predictions?: Prediction[];
  /** The preprocessing actually applied (timm's data config). */
  preprocessing: { mean: number[]; std: number[]; cropPct: number; cropMode: string; interpolation: string };
  /** The image the network saw: resized and cropped, before normalisation. */
  input: RgbImageData;
  levels: ComputedLevel[];
  /** prepareMs: model build and weights (download, check, layout) — zero when cached. */
  timings: { decodeMs: number; prepareMs: number; preprocessMs: number; forwardMs: number; totalMs: number };
}

export interface EngineInfo {
  version: string;
  /** What runs forward passes, e.g. 'onnxruntime (cpu)', 'wasm', 'tensorflow (GPU)'. */
  backend: string;
  executor: 'onnx' | 'tfjs';
  /** The tfjs backend (gradients, and forward passes when the executor is tfjs). */
  tfjsBackend: string;
  backendChoice: string;
  skipped: Array<{ choice: string; reason: string }>;
}

export interface SampleInfo {
  name: string;
  file: string;
  width: number;
  height: number;
  credit: string;
  license: string;
}

/** One feature level's place on the input, read from the model's structure. */
export interface LevelGeometry extends LevelInfo {
  /** [C, H, W] at this output stride and input size. */
  shape: [number, number, number];
  /** Distance between neighbouring cells' centres on the input, in pixels [y, x]. */
  jump: [number, number];
  /** Theoretical receptive-field size in input pixels [h, w]. */
  rfSize: [number, number];
  /** Centre of cell (0, 0)'s receptive field, in input pixel indices [y, x] (may be fractional or negative). */
  rfStart: [number, number];
  /** Largest conv dilation inside this level's stage (above 1 where output_stride dilates). */
  dilation: number;
  /** How much this stage downsamples (its jump over the previous level's). */
  stageStride: number;
}

export interface GeometryResult {
  model: string;
  outputStride: number;
  inputSize: [number, number];
  /** Every feature level of the model, not only the selected ones. */
  levels: LevelGeometry[];
}

export interface PenultimateResult {
  model: string;
  outputStride: number;
  weightsLabel: string;
  /** forward_features(x): the unpooled map, [C, H, W] row-major float32. */
  features: { shape: [number, number, number]; data: Float32Array };
  /** The pooled pre-logits vector (num_classes=0), length C. */
  pooled: Float32Array;
  globalPool: string;
}

export interface GradientResult {
  model: string;
  outputStride: number;
  weightsLabel: string;
  target: GradientRequest['target'];
  /** Cell target: the input's H×W; class target: the H×W of forward_features or of the level asked for. */
  height: number;
  width: number;
  map: Float32Array;
  /** Class target: the class used (the top one when none was asked), its label and probability. */
  classIndex?: number;
  label?: string;
  probability?: number;
  /** Class target at a level: that level and timm's module name for it (absent at forward_features). */
  level?: number;
  module?: string;
}

export interface Responses {
  'explore:geometry': GeometryResult;
  'explore:penultimate': PenultimateResult;
  'explore:gradient': GradientResult;
  'engine:info': EngineInfo;
  'zoo:list': { models: ModelSummary[] };
  'zoo:describe': Description;
  'samples:list': { samples: SampleInfo[] };
  'features:compute': ComputeResult;
  'weights:list': { cacheDir: string; repos: CachedWeights[]; localDir: string; local: LocalWeightsInfo[] };
  'weights:download': { repoId: string; path: string; sizeBytes: number; fromCache: boolean };
  'weights:cancel': { cancelled: boolean };
  'weights:remove': { removed: boolean; freedBytes: number };
}

export type RequestOf<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
export type ResponseOf<C extends Channel> = Responses[C];

/** Engine → UI events. */
export interface Events {
  'engine:progress': { runId: string; stage: 'decode' | 'preprocess' | 'build' | 'forward' | 'done'; message: string };
  'engine:status': { state: 'starting' | 'ready' | 'restarting' | 'crashed'; message: string };
  'weights:progress': { repoId: string; bytes: number; total: number | null; rate: number; etaSeconds: number | null; done: boolean };
}
export type EventName = keyof Events;

/** How errors cross the contract. */
export interface ContractError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ContractCallError extends Error {
  constructor(readonly error: ContractError) {
    super(error.message);
    this.name = 'ContractCallError';
  }
  get code(): string {
    return this.error.code;
  }
}

/** The transport-neutral client the renderer (and tests) use. */
export interface EngineClient {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** A zod issue as far as messages need it; a union's carries each alternative's issues. */
interface ValidationIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
  errors?: ReadonlyArray<ReadonlyArray<ValidationIssue>>;
}

/**
 * 'field.path: what is wrong'. A union names each alternative's first problem
 * (zod's own message there is a bare "Invalid input", which names no field).
 */
function describeIssue(issue: ValidationIssue, prefix: PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  const alternatives = issue.code === 'invalid_union' ? (issue.errors ?? []).filter((branch) => branch.length > 0).slice(0, 3) : [];
  if (alternatives.length) return alternatives.map((branch) => describeIssue(branch[0], path)).join('; or ');
  return `${path.length ? path.map(String).join('.') : 'request'}: ${issue.message}`;
}

/** Turns a zod failure into the contract's error shape, naming the bad field. */
export function validationError(channel: string, issues: ReadonlyArray<ValidationIssue>): ContractError {
  const first = issues[0];
  return {
    code: 'BAD_REQUEST',
    message: `${channel}: ${first ? describeIssue(first) : 'request: invalid request'}`,
    details: { issues: issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })) },
  };
}
