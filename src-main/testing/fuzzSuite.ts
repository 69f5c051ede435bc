/**
 * The harness the fuzz suites share: fast-check runs with the suite's seed
 * (PYRAMIDSCOPE_FUZZ_SEED replays a failure) and async properties that log
 * how many cases ran in how long, one line each, kept for the suite's summary.
 */
import fc from 'fast-check';
import { fuzzRuns } from '../../src-shared/wireArbitraries';

export function fuzzSuite(label: string) {
  const stats: string[] = [];
  const runs = (n: number) => fuzzRuns(n, process.env.PYRAMIDSCOPE_FUZZ_SEED);
  async function property<T>(name: string, n: number, arb: fc.Arbitrary<T>, check: (v: T) => Promise<void>): Promise<void> {
    const t0 = performance.now();
    await fc.assert(fc.asyncProperty(arb, check), runs(n));
    const line = `[fuzz] ${label}: ${name}: ${n} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    stats.push(line);
    console.log(line);
  }
  return { runs, property, stats };
}
