/**
 * Soak: 200 runs through the EngineService across models, settings and
 * images, with tfjs's IS_TEST flag on (every kernel is checked for leaked
 * backend memory and throws if it leaks). Every 20 runs the caches are
 * dropped, garbage is collected, and
 * - the tensor count must be back at its baseline exactly;
 * - over the second half, the JS heap, the memory behind ArrayBuffers
 *   (decoded images, feature maps) and the wasm heap must not grow, and the
 *   RSS must stay within a bound. RSS is the coarse check: malloc and V8 keep
 *   freed pages, so it moves in steps with no leak (one step of 117 MiB seen
 *   here, 163 MiB on a loaded CI runner, with the JS heap, ArrayBuffers and the
 *   wasm heap flat). The exact counters above catch small leaks of ours; the
 *   RSS bound catches a native leak of more than ~2.5 MiB a run.
 *
 * Input sizes are small (32..64) to keep the whole soak near a minute and a half.
 * The whole zoo, every output stride, on ONNX Runtime too: scripts/soak.ts (slow, not in npm test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineService } from './service';
import { resourcesDir } from './resources';
import type { ComputeRequest } from '../../src-shared/contract';
import { MiB, measure, noisePng, type Sample } from '../testing/soakMeasure';

// tf.memory() only sees tfjs: soak the tfjs executor (ONNX Runtime's memory shows in the RSS bound of service use).
process.env.PYRAMIDSCOPE_EXECUTOR = 'tfjs';

const RUNS = 200;
const BLOCK = 20;
/** Largest growth allowed over the second half of the soak, measured after a full GC. */
const MAX_LATE_GROWTH = { rss: 256 * MiB, jsHeap: 2 * MiB, arrayBuffers: 8 * MiB, wasmHeap: 0 };

// [model, output strides it can do]
const MODELS: Array<[string, number[]]> = [
  ['resnet18', [8, 16, 32]],
  ['regnetx_002', [16, 32]],
  ['ese_vovnet19b_slim_dw', [32]],
  ['regnety_002', [8, 32]],
  ['resnest14d', [16, 32]],
  ['densenet121', [32]],
];

const sample = (name: string) => ({ kind: 'sample', name }) as const;
const upload = (name: string, bytes: Uint8Array) => ({ kind: 'file', name, bytes }) as const;
const IMAGES = [
  sample('chelsea'),
  sample('coffee'),
  sample('astronaut'),
  sample('rocket'),
  upload('rocket-upload.jpg', new Uint8Array(readFileSync(path.join(resourcesDir(), 'samples', 'rocket.jpg')))),
  upload('noise-97x61.png', noisePng(97, 61, 1)),
  upload('noise-300x20.png', noisePng(300, 20, 2)),
  upload('dot.png', noisePng(1, 1, 3)),
];

/** Run i's request: models change every few runs, settings and images every run. */
function request(i: number): ComputeRequest {
  const [model, strides] = MODELS[Math.floor(i / 3) % MODELS.length];
  const pick = (i * 7) % 4;
  const outIndices = pick === 0 ? undefined : pick === 1 ? [-1] : pick === 2 ? [0, 2] : [1, -1];
  return {
    model,
    outIndices,
    outputStride: strides[i % strides.length],
    inputSize: 32 + ((i * 13) % 33),
    image: IMAGES[(i * 5) % IMAGES.length],
    runId: `soak-${i}`,
  };
}

const service = new EngineService();
let baseline: Sample;
const blocks: Sample[] = [];

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await service.handle('engine:info', {});
  baseline = await measure();
});

afterAll(() => {
  service.dispose();
  tf.env().set('IS_TEST', false);
});

describe('soak', () => {
  it(`${RUNS} runs leak no tensors, and memory stops growing`, { timeout: 300_000 }, async () => {
    expect(tf.env().getBool('IS_TEST')).toBe(true);
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const req = request(i);
      const r = await service.handle('features:compute', req);
      expect(r.runId).toBe(req.runId);
      expect(r.levels.length).toBeGreaterThan(0);
      for (const l of r.levels) expect(l.data.length).toBe(l.shape[0] * l.shape[1] * l.shape[2]);
      if ((i + 1) % BLOCK === 0) {
        // Drop the cached models: every tensor left would be a leak.
        service.dispose();
        blocks.push(await measure());
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const mib = (n: number) => (n / MiB).toFixed(1);
    const secondHalf = blocks.slice(blocks.length / 2 - 1);
    const growth = (k: keyof Sample) => Math.max(...secondHalf.map((b) => b[k])) - secondHalf[0][k];
    const series = (k: keyof Sample) => blocks.map((b) => mib(b[k])).join(' ');
    console.log(
      `[soak] ${RUNS} runs in ${seconds.toFixed(1)} s on ${tf.getBackend()}\n` +
        `[soak] tensors: baseline ${baseline.tensors}, every ${BLOCK} runs ${blocks.map((b) => b.tensors).join(' ')}\n` +
        `[soak] RSS MiB: baseline ${mib(baseline.rss)}, every ${BLOCK} runs ${series('rss')}; second-half growth ${mib(growth('rss'))}\n` +
        `[soak] JS heap MiB: baseline ${mib(baseline.jsHeap)}, every ${BLOCK} runs ${series('jsHeap')}; second-half growth ${mib(growth('jsHeap'))}\n` +
        `[soak] ArrayBuffers MiB: baseline ${mib(baseline.arrayBuffers)}, every ${BLOCK} runs ${series('arrayBuffers')}; second-half growth ${mib(growth('arrayBuffers'))}\n` +
        `[soak] wasm heap MiB: baseline ${mib(baseline.wasmHeap)}, every ${BLOCK} runs ${series('wasmHeap')}; second-half growth ${mib(growth('wasmHeap'))}`,
    );
    expect(blocks.map((b) => b.tensors)).toEqual(Array(RUNS / BLOCK).fill(baseline.tensors));
    expect(growth('jsHeap')).toBeLessThanOrEqual(MAX_LATE_GROWTH.jsHeap);
    expect(growth('arrayBuffers')).toBeLessThanOrEqual(MAX_LATE_GROWTH.arrayBuffers);
    expect(growth('wasmHeap')).toBeLessThanOrEqual(MAX_LATE_GROWTH.wasmHeap);
    expect(growth('rss')).toBeLessThan(MAX_LATE_GROWTH.rss);
  });
});
