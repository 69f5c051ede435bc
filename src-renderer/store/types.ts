import type { ContractError, EngineClient, EngineInfo, Events, CachedWeights, LocalWeightsInfo, WeightsChoice, GeometryResult, GradientResult, ImageSource, InputSize, ModelSummary, PenultimateResult, SampleInfo } from '../../src-shared/contract';
import type { ShownResult } from './shown';
import type { ColormapName } from '../../src-shared/maps/colormaps';
import type { DisplayMode, ValueSign } from '../../src-shared/maps/display';
import type { NormScope, Range } from '../../src-shared/maps/normalize';
import type { RankBy } from '../../src-shared/maps/channelStats';
import type { PcaFitScope, Session, Upsampling, ViewSettings } from '../../src-shared/export/session';

export interface ZooSlice {
  models: ModelSummary[];
  search: string;
  selected: string;
  setSearch(search: string): void;
  loadModels(): Promise<void>;
  selectModel(name: string): void;
}

export type Transfer = 'auto' | 'float32' | 'float16';
export const TRANSFERS: readonly Transfer[] = ['auto', 'float32', 'float16'];

export interface SettingsSlice {
  outIndices: number[];
  outputStride: number;
  /** Input size (N or [H, W]); undefined = the model's pretrained input size. */
  inputSize?: InputSize;
  /** How levels travel and are held: 'auto' = float16 for large pyramids (see ComputeRequest.transfer). */
  transfer: Transfer;
  toggleLevel(index: number): void;
  setTransfer(transfer: Transfer): void;
  setOutputStride(stride: number): void;
  setInputSize(size: InputSize | undefined): void;
}

export interface ImageSlice {
  samples: SampleInfo[];
  image?: ImageSource;
  imageLabel: string;
  loadSamples(): Promise<void>;
  chooseSample(name: string): void;
  chooseFile(name: string, bytes: Uint8Array): void;
}

export type RunStatus = 'idle' | 'running' | 'ready' | 'error';

export interface FeaturesSlice {
  engine?: EngineInfo;
  status: RunStatus;
  result?: ShownResult;
  error?: ContractError;
  loadEngineInfo(): Promise<void>;
  run(): Promise<void>;
}

export interface WeightsSlice {
  weights: WeightsChoice;
  /** The download in progress, if any. */
  download?: Events['weights:progress'];
  cachedWeights: CachedWeights[];
  cacheDir: string;
  /** Local .safetensors files the engine keeps by sha256 (loaded once, reusable by hash). */
  localWeights: LocalWeightsInfo[];
  localDir: string;
  useRandomWeights(): void;
  usePretrained(tag?: string): void;
  useWeightsFile(name: string, bytes: Uint8Array): void;
  /** A file already in the engine's local store, by its hash. */
  useStoredWeights(name: string, sha256: string): void;
  cancelDownload(): Promise<void>;
  refreshCache(): Promise<void>;
  removeCached(repoId: string): Promise<void>;
  removeLocal(sha256: string): Promise<void>;
}

/** How the maps are shown: every field is display-only (changing it never calls the engine). */
export interface ViewSlice {
  viewMode: DisplayMode;
  channel: number;
  valueSign: ValueSign;
  colormap: ColormapName;
  normScope: NormScope;
  fixedRange: Range;
  zeroCentre: boolean;
  overlay: boolean;
  opacity: number;
  upsampling: Upsampling;
  pcaFit: PcaFitScope;
  setViewMode(mode: DisplayMode): void;
  setChannel(channel: number): void;
  /** Moves the channel by `delta`, switching to channel mode. */
  stepChannel(delta: number): void;
  setValueSign(sign: ValueSign): void;
  setColormap(name: ColormapName): void;
  setNormScope(scope: NormScope): void;
  setFixedRange(range: Range): void;
  setZeroCentre(on: boolean): void;
  setOverlay(on: boolean): void;
  setOpacity(opacity: number): void;
  setUpsampling(u: Upsampling): void;
  setPcaFit(fit: PcaFitScope): void;
}

/** The linked probe: a point on the input, in the input's own pixels divided by its size (0..1). */
export interface ProbeSlice {
  probe?: { u: number; v: number; source: 'input' | number };
  /** Pinned by a click; hovering elsewhere does not move it until it is unpinned. */
  probeLocked: boolean;
  setProbe(p: { u: number; v: number; source: 'input' | number } | undefined): void;
  toggleProbeLock(): void;
}

export interface BrowserSlice {
  browserLevel?: number;
  rankBy: RankBy;
  topK: number;
  detail?: { level: number; channel: number };
  pinned: Array<{ level: number; channel: number }>;
  setBrowserLevel(level: number | undefined): void;
  setRankBy(r: RankBy): void;
  setTopK(k: number): void;
  openDetail(level: number, channel: number): void;
  closeDetail(): void;
  togglePin(level: number, channel: number): void;
}

export interface CompareSettings {
  model: string;
  outIndices: number[];
  outputStride: number;
  inputSize?: InputSize;
  image: ImageSource;
  imageLabel: string;
}

export interface CompareSlice {
  compareOn: boolean;
  compare?: CompareSettings;
  compareStatus: RunStatus;
  compareResult?: ShownResult;
  compareError?: ContractError;
  /** Both panes share one colour scale per level. */
  compareSharedScale: boolean;
  setCompareOn(on: boolean): void;
  updateCompare(patch: Partial<CompareSettings>): void;
  setCompareSharedScale(on: boolean): void;
  runCompare(): Promise<void>;
}

export interface ExploreSlice {
  geometry?: GeometryResult;
  compareGeometry?: GeometryResult;
  /** Geometry at every output stride the model supports, for the Learn panel. */
  learnGeometry: Record<number, GeometryResult>;
  penultimate?: PenultimateResult;
  penultimateStatus: RunStatus;
  penultimateError?: string;
  /** The effective receptive field of the locked cell, for the result it was computed on. */
  erf?: { result: ShownResult; level: number; row: number; col: number; channel?: number; gradient: GradientResult };
  erfStatus: RunStatus;
  erfError?: string;
  gradCam?: { result: ShownResult; gradient: GradientResult };
  gradCamStatus: RunStatus;
  gradCamError?: string;
  loadGeometry(): Promise<void>;
  loadLearnGeometry(): Promise<void>;
  loadPenultimate(): Promise<void>;
  /** Gradient of one cell (one channel, or all) with respect to the input pixels. */
  computeErf(level: number, row: number, col: number, channel?: number): Promise<void>;
  clearErf(): void;
  /** Grad-CAM for a class (default: the top class) at forward_features, or at feature level `level` (a feature_info index). */
  computeGradCam(classIndex?: number, level?: number): Promise<void>;
}

export type Theme = 'light' | 'dark';

export interface PrefsSlice {
  theme: Theme;
  setTheme(theme: Theme): void;
}

export interface SessionSlice {
  sessionError?: string;
  /** The session file for the current view (undefined before the first result). */
  exportSession(): Session | undefined;
  importSession(session: Session): void;
  currentView(): ViewSettings;
  setSessionError(message: string | undefined): void;
}

export type AppState = ZooSlice &
  SettingsSlice &
  ImageSlice &
  FeaturesSlice &
  WeightsSlice &
  ViewSlice &
  ProbeSlice &
  BrowserSlice &
  CompareSlice &
  ExploreSlice &
  PrefsSlice &
  SessionSlice & { client: EngineClient };
export type SliceCreator<S> = (set: (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void, get: () => AppState) => S;
