/**
 * Picks the tfjs backend: tfjs-node-gpu → tfjs-node → wasm → cpu, each tried
 * only if installed and working. PYRAMIDSCOPE_BACKEND forces one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { EngineError } from './errors';
import { chooseWasmThreads } from './wasmThreads';

export const BACKEND_CHAIN = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHAIN)[number];

export interface BackendStatus {
  /** The choice in use, e.g. 'wasm'. */
  choice: BackendChoice;
  /** What the UI shows: 'tensorflow (GPU)', 'tensorflow (CPU)', 'wasm', 'cpu'. */
  label: string;
  /** Why each earlier choice was skipped. */
  skipped: Array<{ choice: BackendChoice; reason: string }>;
  /** wasm only: the threads XNNPACK runs on (1 = the single-threaded build). */
  threads?: number;
}

const requireModule = createRequire(import.meta.url);
let current: BackendStatus | undefined;
let wasmThreads: number | undefined;

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

/** Throws, without importing the package, when a tfjs-node build has no native addon on disk. */
function nativeAddonOrThrow(choice: 'tfjs-node' | 'tfjs-node-gpu'): void {
  let dir: string;
  try {
    dir = path.dirname(requireModule.resolve(`@tensorflow/${choice}/package.json`));
  } catch {
    throw new Error(`@tensorflow/${choice} is not installed (optional dependency)`);
  }
  const lib = path.join(dir, 'lib');
  const addons = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('napi-v') && existsSync(path.join(lib, d, 'tfjs_binding.node'))) : [];
  if (!addons.length) {
    throw new Error(`@tensorflow/${choice} is installed without its native addon (lib/napi-v*/tfjs_binding.node): its install script could not fetch libtensorflow`);
  }
}

async function tryChoice(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // These packages register the 'tensorflow' backend on import; they are optional dependencies.
      // Check for the native addon first: importing a package whose install could not fetch
      // libtensorflow registers hundreds of kernels, prints warnings, and only then fails.
      nativeAddonOrThrow(choice);
      requireModule(`@tensorflow/${choice}`);
      await tf.setBackend('tensorflow');
      return choice === 'tfjs-node-gpu' ? 'tensorflow (GPU)' : 'tensorflow (CPU)';
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = path.dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
      const { threads } = chooseWasmThreads(dist);
      if (threads > 1) {
        // tfjs turns threads off in Node; our patch makes the threaded build start there.
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        wasm.setThreadsCount(threads);
      }
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
      wasmThreads = wasm.getThreadsCount();
      return 'wasm';
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      return 'cpu';
    }
  }
}

export async function initBackend(forced = process.env.PYRAMIDSCOPE_BACKEND): Promise<BackendStatus> {
  if (current && (!forced || forced === current.choice)) return current;
  if (forced && !(BACKEND_CHAIN as readonly string[]).includes(forced)) {
    throw new EngineError('BAD_BACKEND', `PYRAMIDSCOPE_BACKEND='${forced}' is not a backend; allowed: ${BACKEND_CHAIN.join(', ')}`);
  }
  const chain: BackendChoice[] = forced ? [forced as BackendChoice] : [...BACKEND_CHAIN];
  const skipped: BackendStatus['skipped'] = [];
  for (const choice of chain) {
    try {
      const label = await tryChoice(choice);
      await tf.ready();
      current = { choice, label, skipped, ...(choice === 'wasm' ? { threads: wasmThreads } : {}) };
      return current;
    } catch (e) {
      skipped.push({ choice, reason: firstLine(e) });
    }
  }
  throw new EngineError('NO_BACKEND', `no tfjs backend could start: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`);
}

export function backendStatus(): BackendStatus | undefined {
  return current;
}
