/**
 * Turns the user's weights choice (random init, a pretrained tag, an uploaded
 * file) into a checked state dict plus the data config that goes with it.
 * Downloads report progress and can be cancelled by repo id.
 */
import type { ModelEntry, PretrainedCfg } from '../zoo/model';
import type { ParamRegistry } from '../zoo/paramRegistry';
import type { StateDict } from './stateDict';
import { formulaStateDict } from './formula';
import { downloadWeights, type DownloadProgress, type DownloadResult } from './hubDownload';
import { parseWeightsBytes, readWeightsFile } from './safetensors';
import { checkWeights } from './loadCheck';
import { EngineError } from '../errors';
import { LocalWeightsStore, sha256Of } from './localStore';

export type WeightsRequest =
  | { kind: 'random' }
  | { kind: 'pretrained'; tag?: string }
  | { kind: 'file'; name: string; bytes?: Uint8Array; sha256?: string };

export interface ResolvedWeights {
  /** Identifies these exact weights in caches. */
  key: string;
  /** What the UI shows beside every map. */
  label: string;
  stateDict: StateDict;
  /** The data config (mean, std, crop, interpolation, size) to preprocess with. */
  cfg: PretrainedCfg;
  /** What a session file records. */
  source: { kind: 'random' } | { kind: 'pretrained'; tag: string; hfHubId: string } | { kind: 'file'; name: string; sha256: string; stored: boolean };
}

export interface WeightsEvents {
  onProgress(repoId: string, p: DownloadProgress & { done: boolean }): void;
}

/** The pretrained tag the user asked for, or the model's default (first with weights on the hub). */
export function pickPretrained(entry: ModelEntry, tag?: string): PretrainedCfg {
  const published = entry.pretrained.filter((p) => p.hfHubId);
  if (!tag) {
    if (!published.length) throw new EngineError('NO_PRETRAINED', `${entry.name} has no pretrained weights on the hub (timm publishes none); use random init or a local file`);
    return published[0];
  }
  const wanted = tag.includes('.') ? tag : `${entry.name}.${tag}`;
  const cfg = published.find((p) => p.name === wanted);
  if (!cfg) {
    throw new EngineError('UNKNOWN_PRETRAINED_TAG', `'${tag}' is not a pretrained tag of ${entry.name}; allowed: ${published.map((p) => p.name).join(', ') || '(none)'}`, { tag });
  }
  return cfg;
}

export class WeightsSource {
  private readonly downloads = new Map<string, AbortController>();
  private readonly loaded = new Map<string, StateDict>();

  constructor(
    private readonly events: WeightsEvents,
    readonly local = new LocalWeightsStore(),
  ) {}

  /**
   * Resolves and checks weights for `entry`. `registry` is the full model's
   * parameters; features-only loading ignores the classifier as timm does.
   */
  async resolve(entry: ModelEntry, req: WeightsRequest, registry: ParamRegistry): Promise<ResolvedWeights> {
    if (req.kind === 'random') {
      // Generating formula weights takes ~0.6 s for a ResNet-50: keep them while the model is in use.
      const key = `random:${entry.name}`;
      return {
        key: 'random',
        label: 'random init (formula-v1)',
        stateDict: this.loaded.get(key) ?? this.keep(key, formulaStateDict(registry.list().map((p) => p.ref))),
        cfg: entry.pretrained[0],
        source: { kind: 'random' },
      };
    }
    if (req.kind === 'file') return this.resolveFile(entry, req, registry);
    const cfg = pickPretrained(entry, req.tag);
    const key = `hub:${cfg.hfHubId}`;
    const sd = this.loaded.get(key) ?? this.keep(key, await readWeightsFile((await this.download(cfg.hfHubId)).path));
    checkWeights(registry, sd, { featuresOnly: true, source: cfg.hfHubId, model: entry.name });
    return { key, label: `${cfg.name} (pretrained)`, stateDict: sd, cfg, source: { kind: 'pretrained', tag: cfg.name, hfHubId: cfg.hfHubId } };
  }

  /**
   * A local file, from its bytes (checked, then kept in the local store so it need
   * not cross again) or from the store by sha256.
   */
  private async resolveFile(entry: ModelEntry, req: { name: string; bytes?: Uint8Array; sha256?: string }, registry: ParamRegistry): Promise<ResolvedWeights> {
    const sha256 = req.sha256 ?? sha256Of(req.bytes as Uint8Array);
    const key = `file:${sha256}`;
    let sd = this.loaded.get(key);
    let stored = req.bytes === undefined;
    if (!sd) {
      const bytes = req.bytes ?? (await this.local.read(sha256));
      if (!bytes) {
        throw new EngineError('LOCAL_WEIGHTS_MISSING', `the weights file '${req.name}' (sha256 ${sha256.slice(0, 12)}…) is not in the local weights store (${this.local.dir}); load the file again`, { sha256 });
      }
      sd = this.keep(key, parseWeightsBytes(bytes, req.name));
    }
    checkWeights(registry, sd, { featuresOnly: true, source: req.name, model: entry.name });
    if (req.bytes) {
      // Only files that parse and fit the model are kept. A store that cannot be written
      // (read-only, full) costs the speed-up, not the result: the UI keeps sending bytes.
      stored = await this.local.put(req.bytes, req.name, sha256).then(
        () => true,
        () => false,
      );
    }
    return { key, label: `${req.name} (local file)`, stateDict: sd, cfg: entry.pretrained[0], source: { kind: 'file', name: req.name, sha256, stored } };
  }

  /** Downloads (or finds in the cache) a repo's model.safetensors; progress goes to the events. */
  async download(repoId: string): Promise<DownloadResult> {
    const existing = this.downloads.get(repoId);
    const controller = existing ?? new AbortController();
    this.downloads.set(repoId, controller);
    try {
      const r = await downloadWeights(repoId, {
        signal: controller.signal,
        onProgress: (p) => this.events.onProgress(repoId, { ...p, done: false }),
      });
      this.events.onProgress(repoId, { bytes: r.size, total: r.size, rate: 0, etaSeconds: 0, done: true });
      return r;
    } finally {
      if (this.downloads.get(repoId) === controller) this.downloads.delete(repoId);
    }
  }

  /** Cancels a running download; false when none runs for that repo. */
  cancel(repoId: string): boolean {
    const c = this.downloads.get(repoId);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** Drops the weights held in memory (the cache on disk stays). */
  forget(): void {
    this.loaded.clear();
  }

  /** One checkpoint in memory at a time: they are large, and the prepared models hold their own copies. */
  private keep(key: string, sd: StateDict): StateDict {
    this.loaded.clear();
    this.loaded.set(key, sd);
    return sd;
  }
}
