/**
 * How many threads the wasm backend runs XNNPACK on.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build but, as published, cannot
 * start it in Node (its loader hands worker_threads a `blob:` URL) and caps the
 * pool at half the logical cores. `patches/@tensorflow+tfjs-backend-wasm+*.patch`
 * (applied by patch-package at install) fixes both; the file it adds tells us
 * it is in place. Without it the backend stays single-threaded, which works.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Added by our patch: the pthread worker script Node can start. */
export const NODE_PTHREAD_WORKER = 'tfjs-backend-wasm-threaded-simd.node-worker.js';

export interface WasmThreadChoice {
  threads: number;
  /** Why it is not every core, when it is not. */
  reason?: string;
}

/**
 * PYRAMIDSCOPE_WASM_THREADS (a whole number ≥ 1; 1 = the single-threaded build)
 * or every logical core.
 */
export function chooseWasmThreads(distDir: string, requested = process.env.PYRAMIDSCOPE_WASM_THREADS): WasmThreadChoice {
  let threads = os.availableParallelism();
  if (requested !== undefined && requested !== '') {
    const n = Number(requested);
    if (!Number.isInteger(n) || n < 1) throw new Error(`PYRAMIDSCOPE_WASM_THREADS='${requested}' must be a whole number ≥ 1`);
    threads = n;
  }
  if (threads > 1 && !existsSync(path.join(distDir, NODE_PTHREAD_WORKER))) {
    return { threads: 1, reason: 'the tfjs-backend-wasm thread patch is not applied (run npm install)' };
  }
  return { threads };
}
