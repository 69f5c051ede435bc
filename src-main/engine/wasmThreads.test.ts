import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_PTHREAD_WORKER, chooseWasmThreads } from './wasmThreads';

const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));

describe('chooseWasmThreads', () => {
  const patched = mkdtempSync(path.join(os.tmpdir(), 'wasm-dist-'));
  writeFileSync(path.join(patched, NODE_PTHREAD_WORKER), '');
  const unpatched = mkdtempSync(path.join(os.tmpdir(), 'wasm-dist-'));

  it('uses every core by default and what PYRAMIDSCOPE_WASM_THREADS asks for', () => {
    expect(chooseWasmThreads(patched, undefined)).toEqual({ threads: os.availableParallelism() });
    expect(chooseWasmThreads(patched, '3')).toEqual({ threads: 3 });
    expect(chooseWasmThreads(patched, '1')).toEqual({ threads: 1 });
  });

  it('refuses a value that is not a whole number ≥ 1, naming it', () => {
    for (const bad of ['0', '-2', '1.5', 'all']) expect(() => chooseWasmThreads(patched, bad)).toThrow(`PYRAMIDSCOPE_WASM_THREADS='${bad}'`);
  });

  it('stays single-threaded, and says why, where the install did not apply the patch', () => {
    expect(chooseWasmThreads(unpatched, '4')).toEqual({ threads: 1, reason: expect.stringContaining('patch is not applied') });
  });

  it('finds the patch applied to the installed tfjs-backend-wasm (npm install runs patch-package)', () => {
    expect(chooseWasmThreads(wasmDist, '2').threads).toBe(2);
  });
});

/**
 * A child Node process that starts the wasm backend with `threads` threads,
 * runs a conv and prints the threads in use and the result. It never calls
 * process.exit: it must end by itself (the pool threads must not hold it open).
 */
function runConv(threads: number): { threads: number; sum: number; values: number[] } {
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    import * as wasm from '@tensorflow/tfjs-backend-wasm';
    const threads = ${threads};
    if (threads > 1) { tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true); wasm.setThreadsCount(threads); }
    await tf.setBackend('wasm');
    const n = 1 * 40 * 40 * 32;
    const x = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [1, 40, 40, 32]);
    const w = tf.tensor4d(Float32Array.from({ length: 9 * 32 * 64 }, (_, i) => Math.cos(i) / 17), [3, 3, 32, 64]);
    const y = tf.conv2d(x, w, 1, 'same').dataSync();
    let sum = 0; for (const v of y) sum += v;
    console.log(JSON.stringify({ threads: wasm.getThreadsCount(), sum, values: Array.from(y.slice(0, 50)) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(wasmDist, '../../../..'), encoding: 'utf8', timeout: 60_000 });
  expect(r.error, 'the child process must end by itself').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { threads: number; sum: number; values: number[] };
}

describe('the threaded wasm build in Node (patched tfjs-backend-wasm)', () => {
  it('starts, uses every core, computes what the single-threaded build computes, and lets Node exit', () => {
    const cores = os.availableParallelism();
    const one = runConv(1);
    const all = runConv(cores);
    expect(one.threads).toBe(1);
    expect(all.threads).toBe(cores);
    expect(all.sum).toBeCloseTo(one.sum, 2);
    all.values.forEach((v, i) => expect(v).toBeCloseTo(one.values[i], 4));
  });
});
