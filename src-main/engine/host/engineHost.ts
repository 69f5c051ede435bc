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
  /** Per-call time limit; a call past it fails with TIMEOUT. */
  callTimeoutMs?: number;
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

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
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
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new ContractCallError(m.error));
  }

  private onExit(worker: EngineProcess, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.restarts++;
    const error: ContractError = { code: 'ENGINE_CRASHED', message: `${reason}; the engine restarts on the next request` };
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ContractCallError(error));
      this.pending.delete(id);
    }
    for (const l of this.listeners) l('engine:status', { state: 'crashed', message: error.message } satisfies Events['engine:status']);
  }

  invoke<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<ResponseOf<C>>((resolve, reject) => {
      const ms = this.options.callTimeoutMs ?? 300_000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ContractCallError({ code: 'TIMEOUT', message: `${channel} took longer than ${ms} ms` }));
      }, ms);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.postMessage({ type: 'call', id, channel, payload } satisfies HostToEngine);
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
      clearTimeout(p.timer);
      p.reject(new ContractCallError({ code: 'ENGINE_CLOSED', message: 'the engine was shut down' }));
      this.pending.delete(id);
    }
    if (w) await w.terminate();
  }
}
