/**
 * Runs the engine in another thread or process and speaks the contract to it,
 * so inference never blocks the server's event loop or Electron's main
 * thread. A crashed engine fails its in-flight calls cleanly and is restarted
 * on the next call.
 */
import { Worker } from 'node:worker_threads';
import type { Channel, ContractError, Events, EventName, RequestOf, ResponseOf } from '../../../src-shared/contract';
import { ContractCallError } from '../../../src-shared/contract';
import type { EngineToHost, HostToEngine } from './protocol';

/** A running engine: a worker thread or an Electron utility process. */
export interface EngineProcess {
  postMessage(message: HostToEngine): void;
  onMessage(listener: (message: EngineToHost) => void): void;
  /** Called once when the process ends, for whatever reason. */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

export interface EngineHostOptions {
  spawn(): EngineProcess;
  /** Default per-call time limit (DEFAULT_CALL_TIMEOUT_MS if unset); a call past it fails with TIMEOUT. */
  callTimeoutMs?: number;
}

/** Options for one call. */
export interface CallOptions {
  /** This call's time limit, instead of the host's default. */
  timeoutMs?: number;
  /** Aborting fails the call with CANCELLED at once; the engine drops it if it has not started it. */
  signal?: AbortSignal;
}

export const DEFAULT_CALL_TIMEOUT_MS = 300_000;
/**
 * Calls that may download a checkpoint get a day: a slow link is not a hung
 * engine, and the download has its own stall timeout (no byte for 60 s fails it).
 */
export const DOWNLOAD_CALL_TIMEOUT_MS = 24 * 3600_000;

function mayDownload(channel: string, payload: unknown): boolean {
  if (channel === 'weights:download') return true;
  const weights = (payload as { weights?: { kind?: string } } | null)?.weights;
  return weights?.kind === 'pretrained';
}

/**
 * The default call time limit from PYRAMIDSCOPE_CALL_TIMEOUT_MS (milliseconds),
 * or DEFAULT_CALL_TIMEOUT_MS when unset. Throws, naming the value, when it is not a positive whole number.
 */
export function callTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PYRAMIDSCOPE_CALL_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_CALL_TIMEOUT_MS;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(ms) || ms < 1) {
    throw new Error(`PYRAMIDSCOPE_CALL_TIMEOUT_MS '${raw}' is not allowed; allowed: a whole number of milliseconds, 1 or more (default ${DEFAULT_CALL_TIMEOUT_MS})`);
  }
  return ms;
}

export interface WorkerSpawnOptions {
  /** The engine worker script (built JS, or .ts with a loader in execArgv). */
  workerUrl: URL;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Spawns the engine as a worker thread (web mode, tests). */
export function workerSpawner(o: WorkerSpawnOptions): () => EngineProcess {
  return () => {
    const worker = new Worker(o.workerUrl, { execArgv: o.execArgv, env: o.env ?? process.env });
    let exited = false;
    return {
      postMessage: (m) => worker.postMessage(m),
      onMessage: (l) => worker.on('message', l),
      onExit: (l) => {
        const once = (reason: string) => {
          if (!exited) {
            exited = true;
            l(reason);
          }
        };
        worker.on('error', (e) => once(`engine error: ${e.message}`));
        worker.on('exit', (code) => once(`engine exited with code ${code}`));
      },
      terminate: async () => {
        await worker.terminate();
      },
    };
  };
}

function cancelled(channel: string): ContractCallError {
  return new ContractCallError({ code: 'CANCELLED', message: `${channel} was cancelled: a newer request replaced it, or its caller went away` });
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** Clears the timer and the abort listener. */
  settle(): void;
}

export class EngineHost {
  private worker?: EngineProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: EventName, payload: unknown) => void>();
  private restarts = 0;

  constructor(private readonly options: EngineHostOptions) {}

  get restartCount(): number {
    return this.restarts;
  }

  private start(): EngineProcess {
    const worker = this.options.spawn();
    worker.onMessage((m) => this.onMessage(m));
    worker.onExit((reason) => this.onExit(worker, reason));
    this.worker = worker;
    return worker;
  }

  private onMessage(m: EngineToHost): void {
    if (m.type === 'event') {
      for (const l of this.listeners) l(m.event, m.payload);
      return;
    }
    if (m.type !== 'result') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    p.settle();
    if (m.ok) p.resolve(m.result);
    else p.reject(new ContractCallError(m.error));
  }

  private onExit(worker: EngineProcess, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.restarts++;
    const error: ContractError = { code: 'ENGINE_CRASHED', message: `${reason}; the engine restarts on the next request` };
    for (const [id, p] of this.pending) {
      p.settle();
      p.reject(new ContractCallError(error));
      this.pending.delete(id);
    }
    for (const l of this.listeners) l('engine:status', { state: 'crashed', message: error.message } satisfies Events['engine:status']);
  }

  invoke<C extends Channel>(channel: C, payload: RequestOf<C>, options: CallOptions = {}): Promise<ResponseOf<C>> {
    if (options.signal?.aborted) return Promise.reject(cancelled(channel));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<ResponseOf<C>>((resolve, reject) => {
      const ms = options.timeoutMs ?? (mayDownload(channel, payload) ? DOWNLOAD_CALL_TIMEOUT_MS : (this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS));
      // Give up on the call here and tell the engine, which drops it if it is still queued.
      const abandon = (error: ContractCallError) => {
        if (!this.pending.delete(id)) return;
        settle();
        reject(error);
        if (this.worker === worker) worker.postMessage({ type: 'cancel', id } satisfies HostToEngine);
      };
      const timer = setTimeout(
        () => abandon(new ContractCallError({ code: 'TIMEOUT', message: `${channel} took longer than its limit of ${ms} ms (set PYRAMIDSCOPE_CALL_TIMEOUT_MS to change it)` })),
        ms,
      );
      const onAbort = () => abandon(cancelled(channel));
      const settle = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, settle });
      try {
        worker.postMessage({ type: 'call', id, channel, payload } satisfies HostToEngine);
      } catch (e) {
        // Structured clone refuses some payloads (e.g. arrays nested thousands deep).
        this.pending.delete(id);
        settle();
        reject(new ContractCallError({ code: 'BAD_REQUEST', message: `${channel}: the request cannot be passed to the engine (${(e as Error).message}); send plain, shallow data` }));
      }
    });
  }

  /** Test hook: kill the engine from outside, as an out-of-memory kill or a native crash would. */
  crashForTest(): void {
    void this.worker?.terminate();
  }

  onEvent(listener: (event: EventName, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      p.settle();
      p.reject(new ContractCallError({ code: 'ENGINE_CLOSED', message: 'the engine was shut down' }));
      this.pending.delete(id);
    }
    if (w) await w.terminate();
  }
}
