/**
 * ONNX Runtime sessions: which execution provider to use, and one place that
 * creates a session from model bytes with the settings that make it fast.
 *
 * CUDA is tried only where the user's onnxruntime-node install has its CUDA
 * provider library (our package.json denies the install script that fetches it,
 * so by default it is absent); if a CUDA session cannot be created we fall back
 * to the CPU provider and remember why. PYRAMIDSCOPE_ORT_EP=cpu|cuda forces one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';

export type OnnxProvider = 'cuda' | 'cpu';

export interface OnnxRuntimeStatus {
  /** The provider the last session was created with. */
  provider: OnnxProvider;
  /** Why CUDA is not in use, when it is not. */
  cudaSkipped?: string;
}

const requireModule = createRequire(import.meta.url);
let status: OnnxRuntimeStatus | undefined;
let cudaBroken: string | undefined;

/** The folder holding onnxruntime-node's native libraries for this platform. */
function nativeDir(): string {
  return path.join(path.dirname(requireModule.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaUnavailable(forced: string | undefined): string | undefined {
  if (forced === 'cpu') return 'PYRAMIDSCOPE_ORT_EP=cpu';
  if (cudaBroken) return cudaBroken;
  if (forced === 'cuda') return undefined;
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(path.join(nativeDir(), lib)) ? undefined : 'onnxruntime-node has no CUDA provider installed';
}

/**
 * Threads for one op: every core by default (batch-1 convs split well).
 * PYRAMIDSCOPE_ORT_THREADS overrides it, e.g. 1 where other work shares the cores
 * (ORT's threads spin-wait for each other, which costs much under contention).
 */
function intraOpThreads(): number {
  const env = process.env.PYRAMIDSCOPE_ORT_THREADS;
  if (env === undefined || env === '') return os.availableParallelism();
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PYRAMIDSCOPE_ORT_THREADS='${env}' is not a whole number ≥ 1`);
  return n;
}

function sessionOptions(providers: OnnxProvider[]): InferenceSession.SessionOptions {
  return {
    executionProviders: providers,
    // 'all' adds ORT's NCHWc layout kernels: ~25% less CPU than 'extended' on ResNet-50 here.
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    // Errors only: the CUDA provider warns about every shape op it leaves to the CPU.
    logSeverityLevel: 3,
  };
}

/** A session for the model bytes: CUDA (with CPU for what it lacks) where available, else CPU. */
export async function createOnnxSession(model: Uint8Array, forced = process.env.PYRAMIDSCOPE_ORT_EP): Promise<InferenceSession> {
  if (forced && forced !== 'cpu' && forced !== 'cuda') throw new Error(`PYRAMIDSCOPE_ORT_EP='${forced}' is not a provider; allowed: cpu, cuda`);
  const skip = cudaUnavailable(forced);
  if (!skip) {
    try {
      const session = await InferenceSession.create(model, sessionOptions(['cuda', 'cpu']));
      status = { provider: 'cuda' };
      return session;
    } catch (e) {
      if (forced === 'cuda') throw e;
      cudaBroken = `CUDA session failed: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`;
    }
  }
  const session = await InferenceSession.create(model, sessionOptions(['cpu']));
  status = { provider: 'cpu', cudaSkipped: skip ?? cudaBroken };
  return session;
}

/** What the last session runs on, for the UI's backend label; undefined before the first session. */
export function onnxRuntimeStatus(): OnnxRuntimeStatus | undefined {
  return status;
}
