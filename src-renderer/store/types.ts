import type { CachedWeights, ComputeResult, ContractError, EngineClient, EngineInfo, Events, ImageSource, ModelSummary, SampleInfo, WeightsChoice } from '../../src-shared/contract';
import type { ColormapName } from '../../src-shared/maps/colormaps';

export interface ZooSlice {
  models: ModelSummary[];
  search: string;
  selected: string;
  setSearch(search: string): void;
  loadModels(): Promise<void>;
  selectModel(name: string): void;
}

export interface SettingsSlice {
  outIndices: number[];
  outputStride: number;
  /** Square input side; undefined = the model's pretrained input size. */
  inputSize?: number;
  toggleLevel(index: number): void;
  setOutputStride(stride: number): void;
  setInputSize(size: number | undefined): void;
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
  result?: ComputeResult;
  error?: ContractError;
  loadEngineInfo(): Promise<void>;
  run(): Promise<void>;
}

export interface WeightsSlice {
  weights: WeightsChoice;
  /** The running download, from the engine's progress events. */
  download?: Events['weights:progress'];
  cachedWeights: CachedWeights[];
  cacheDir: string;
  useRandomWeights(): void;
  usePretrained(tag?: string): void;
  useWeightsFile(name: string, bytes: Uint8Array): void;
  cancelDownload(): Promise<void>;
  refreshCache(): Promise<void>;
  removeCached(repoId: string): Promise<void>;
}

export interface ViewSlice {
  colormap: ColormapName;
  setColormap(name: ColormapName): void;
}

export type AppState = ZooSlice & SettingsSlice & ImageSlice & FeaturesSlice & WeightsSlice & ViewSlice & { client: EngineClient };
export type SliceCreator<S> = (set: (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void, get: () => AppState) => S;
