/**
 * Picks the tfjs backend: tfjs-node-gpu → tfjs-node → wasm → cpu, each tried
 * only if installed and working. PYRAMIDSCOPE_BACKEND forces one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError } from './errors';

export const BACKEND_CHAIN = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHAIN)[number];

export interface BackendStatus {
  /** The choice in use, e.g. 'wasm'. */
  choice: BackendChoice;
  /** What the UI shows: 'tensorflow (GPU)', 'tensorflow (CPU)', 'wasm', 'cpu'. */
  label: string;
  /** Why each earlier choice was skipped. */
  skipped: Array<{ choice: BackendChoice; reason: string }>;
}

const requireModule = createRequire(import.meta.url);
let current: BackendStatus | undefined;

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

async function tryChoice(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // These packages register the 'tensorflow' backend on import; they are optional dependencies.
      requireModule(`@tensorflow/${choice}`);
      await tf.setBackend('tensorflow');
      return choice === 'tfjs-node-gpu' ? 'tensorflow (GPU)' : 'tensorflow (CPU)';
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = path.dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
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
      current = { choice, label, skipped };
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
