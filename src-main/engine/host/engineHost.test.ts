/**
 * Per-call time limits and cancellation, against the real engine in a worker
 * thread: a call past its limit or cancelled fails at once with its own code,
 * the engine skips it if it had not started it, and the next call works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractCallError, type Events } from '../../../src-shared/contract';
import { DEFAULT_CALL_TIMEOUT_MS, EngineHost, callTimeoutFromEnv, workerSpawner } from './engineHost';

let host: EngineHost;
const progress: Array<Events['engine:progress']> = [];

beforeAll(async () => {
  host = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('./engineWorker.dev.mjs', import.meta.url) }) });
  host.onEvent((event, payload) => {
    if (event === 'engine:progress') progress.push(payload as Events['engine:progress']);
  });
  await host.invoke('engine:info', {});
});

afterAll(async () => {
  await host?.close();
});

const compute = (runId: string, inputSize = 224) => ({ model: 'resnet18', inputSize, runId, image: { kind: 'sample', name: 'chelsea' } }) as const;
const ranRuns = () => new Set(progress.map((p) => p.runId));
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof ContractCallError) return e.code;
    throw e;
  }
  return 'resolved';
};

describe('callTimeoutFromEnv', () => {
  it('defaults to five minutes and reads PYRAMIDSCOPE_CALL_TIMEOUT_MS', () => {
    expect(DEFAULT_CALL_TIMEOUT_MS).toBe(300_000);
    expect(callTimeoutFromEnv({})).toBe(300_000);
    expect(callTimeoutFromEnv({ PYRAMIDSCOPE_CALL_TIMEOUT_MS: '1500' })).toBe(1500);
  });

  it.each(['0', '-5', '1.5', 'soon', 'NaN', '1e3', '99999999999999999999'])('refuses %s, naming it and what is allowed', (raw) => {
    expect(() => callTimeoutFromEnv({ PYRAMIDSCOPE_CALL_TIMEOUT_MS: raw })).toThrow(`PYRAMIDSCOPE_CALL_TIMEOUT_MS '${raw}' is not allowed; allowed: a whole number of milliseconds, 1 or more`);
  });
});

describe('per-call time limit', () => {
  it('fails a call past a short limit with TIMEOUT, and the next call works', async () => {
    const started = Date.now();
    const slow = host.invoke('features:compute', compute('timeout-slow', 320), { timeoutMs: 50 });
    expect(await codeOf(slow)).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    const next = await host.invoke('features:compute', compute('timeout-next', 64));
    expect(next.levels.at(-1)?.shape).toEqual([512, 2, 2]);
    expect(host.restartCount).toBe(0);
  });

  it('uses the host default when the call names none', async () => {
    const quick = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('./engineWorker.dev.mjs', import.meta.url) }), callTimeoutMs: 1 });
    try {
      await expect(quick.invoke('zoo:list', {})).rejects.toThrow(/zoo:list took longer than its limit of 1 ms/);
    } finally {
      await quick.close();
    }
  });

  it('drops a timed-out call the engine had not started', async () => {
    const running = host.invoke('features:compute', compute('busy-1', 288));
    const queued = host.invoke('features:compute', compute('queued-timeout', 96), { timeoutMs: 20 });
    expect(await codeOf(queued)).toBe('TIMEOUT');
    await running;
    await host.invoke('features:compute', compute('after-timeout', 64));
    expect(ranRuns()).toContain('busy-1');
    expect(ranRuns()).toContain('after-timeout');
    expect(ranRuns()).not.toContain('queued-timeout');
  });
});

describe('cancellation', () => {
  it('fails a cancelled call at once with CANCELLED; the engine never runs it', async () => {
    const running = host.invoke('features:compute', compute('busy-2', 288));
    const stale = new AbortController();
    const superseded = host.invoke('features:compute', compute('stale', 96), { signal: stale.signal });
    const latest = host.invoke('features:compute', compute('latest', 96));
    stale.abort();
    expect(await codeOf(superseded)).toBe('CANCELLED');
    await running;
    const r = await latest;
    expect(r.runId).toBe('latest');
    expect(ranRuns()).not.toContain('stale');
    expect(ranRuns()).toContain('latest');
  });

  it('refuses a call whose signal is already aborted, without starting the engine work', async () => {
    const done = new AbortController();
    done.abort();
    expect(await codeOf(host.invoke('features:compute', compute('pre-aborted', 64), { signal: done.signal }))).toBe('CANCELLED');
    await host.invoke('engine:info', {});
    expect(ranRuns()).not.toContain('pre-aborted');
  });
});

describe('payloads structured clone refuses', () => {
  it('fail at once with BAD_REQUEST instead of waiting for the time limit', async () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const started = Date.now();
    await expect(host.invoke('zoo:list', deep as Record<string, never>)).rejects.toSatisfy(
      (e: unknown) => e instanceof ContractCallError && e.code === 'BAD_REQUEST' && e.message.includes('cannot be passed to the engine'),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await host.invoke('zoo:list', {})).models.length).toBeGreaterThan(10);
  });
});
