/** A changed setting cancels a stale queued run instead of queueing behind it. */
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost, workerSpawner } from './engineHost';
import { ContractCallError } from '../../../src-shared/contract';

const host = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('./engineWorker.dev.mjs', import.meta.url) }) });
afterAll(() => host.close());

const compute = (inputSize: number, cancelGroup: string) =>
  host.invoke('features:compute', { model: 'resnet18', inputSize, outIndices: [4], image: { kind: 'sample', name: 'chelsea' }, cancelGroup, runId: `size-${inputSize}` });

/** Resolves once the engine reports progress on a run: it has left the queue. */
const started = (runId: string) =>
  new Promise<void>((resolve) => {
    const off = host.onEvent((event, payload) => {
      if (event === 'engine:progress' && (payload as { runId: string }).runId === runId) {
        off();
        resolve();
      }
    });
  });

describe('cancelGroup', () => {
  it('fails the queued run of a group when a newer one arrives; other groups are untouched', async () => {
    await host.invoke('zoo:list', {}); // engine up
    const begun = started('size-160');
    const running = compute(160, 'pane-a');
    await begun;
    const stale = compute(161, 'pane-a'); // queued …
    const other = compute(162, 'pane-b'); // queued, another pane
    const latest = compute(163, 'pane-a'); // … and superseded by this one
    await expect(stale).rejects.toSatisfy((e: unknown) => e instanceof ContractCallError && e.code === 'CANCELLED');
    const [a, b, c] = await Promise.all([running, other, latest]);
    expect(a.inputSize).toEqual([160, 160]);
    expect(b.inputSize).toEqual([162, 162]);
    expect(c.inputSize).toEqual([163, 163]);
  });
});
