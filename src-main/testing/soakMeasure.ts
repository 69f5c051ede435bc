/**
 * What a soak measures, shared by the fast soak test (src-main/engine/soak.test.ts)
 * and the whole-zoo soak script (scripts/soak.ts): memory after a full GC,
 * tfjs's tensor count, ONNX Runtime sessions alive, and generated images.
 */
import * as tf from '@tensorflow/tfjs-core';
import v8 from 'node:v8';
import vm from 'node:vm';
import { deflateSync } from 'node:zlib';
import { png } from './badInputFixtures';

export const MiB = 2 ** 20;

// A full GC between measurements, so what is measured is what is kept, not garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
export const forceGc = vm.runInNewContext('gc') as () => void;

export interface Sample {
  rss: number;
  jsHeap: number;
  arrayBuffers: number;
  /** The wasm backend's linear memory (0 on other backends). */
  wasmHeap: number;
  tensors: number;
}

/** Memory and tensors after a full GC (run between engine calls, never during one). */
export async function measure(): Promise<Sample> {
  // tfjs's IS_TEST leak check pushes one number per kernel onto this stack and never pops
  // it (tfjs resets engine state between its own tests); empty it so it does not read as
  // our leak. Safe here: no kernel is running between runs.
  tf.engine().state.numDataMovesStack.length = 0;
  // ArrayBuffer memory is freed off the main thread after a GC: give it a moment, then collect again.
  forceGc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  forceGc();
  const m = process.memoryUsage();
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return { rss: m.rss, jsHeap: m.heapUsed, arrayBuffers: m.arrayBuffers, wasmHeap: wasm?.HEAPU8?.length ?? 0, tensors: tf.memory().numTensors };
}

/** The process's peak resident memory so far. */
export const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** ONNX Runtime sessions alive now (created minus released), or undefined when ONNX Runtime never loaded. */
export async function onnxSessionsLive(): Promise<{ created: number; released: number; live: number } | undefined> {
  try {
    const { onnxSessionCounts: c } = await import('../engine/ops/onnxExecutor');
    return { ...c, live: c.created - c.released };
  } catch {
    return undefined;
  }
}

/** A valid RGB PNG of pseudo-random pixels (filter byte 0 per row). */
export function noisePng(w: number, h: number, seed: number): Uint8Array {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  let x = seed;
  for (let i = 0; i < raw.length; i++) raw[i] = i % (w * 3 + 1) === 0 ? 0 : (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return png(w, h, deflateSync(raw));
}
