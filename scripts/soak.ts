/**
 * `npx tsx scripts/soak.ts [--filter TEXT] [--limit N] [--rounds 3] [--input-size 64] [--executor onnx|tfjs] [--max-rss-growth-mib 256]`
 *
 * Soak over the whole zoo in ONE engine (an EngineService, as the worker runs
 * it): every registered model (whatever the registry holds now) at each of its
 * output strides, the strides' order alternating between rounds, random
 * weights, a small input, the bundled samples and generated images in turn.
 * The model caches (2 prepared models, 4 ONNX sessions each) evict all along.
 *
 * After each round the engine's caches are dropped and garbage is collected:
 * - the tfjs tensor count must be back at its start;
 * - every ONNX Runtime session created must have been released (evicted ones
 *   while the round ran, so at most the caches' worth were ever alive);
 * - the RSS after round 1 and after the last round may differ by at most
 *   --max-rss-growth-mib (malloc keeps freed pages, so RSS moves without a leak).
 * Prints one line per model and a summary; exits 1 on any growth or failed run,
 * 2 on bad arguments. The fast version, in npm test: src-main/engine/soak.test.ts.
 */
import { UsageError, int, parseFlags } from '../src-main/cli/args';

const USAGE = 'usage: npx tsx scripts/soak.ts [--filter TEXT] [--limit N] [--rounds N] [--input-size N] [--executor onnx|tfjs] [--max-rss-growth-mib N]';

interface Options {
  filter?: string;
  limit?: number;
  rounds: number;
  inputSize: number;
  executor?: 'onnx' | 'tfjs';
  maxRssGrowthMiB: number;
}

function options(argv: string[]): Options {
  const p = parseFlags(argv, { filter: 'string', limit: 'string', rounds: 'string', 'input-size': 'string', executor: 'string', 'max-rss-growth-mib': 'string', help: 'bool' });
  if (p.flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (p.positional.length) throw new UsageError(`unexpected argument '${p.positional[0]}'`);
  const num = (flag: string, fallback: number, min: number) => {
    const v = p.flags.get(flag);
    const n = typeof v === 'string' ? int(flag, v) : fallback;
    if (n < min) throw new UsageError(`--${flag} ${n} is too small; allowed: ${min} or more`);
    return n;
  };
  const executor = p.flags.get('executor');
  if (executor !== undefined && executor !== 'onnx' && executor !== 'tfjs') throw new UsageError(`--executor '${String(executor)}' is not an executor; allowed: onnx, tfjs`);
  const filter = p.flags.get('filter');
  return {
    filter: typeof filter === 'string' ? filter : undefined,
    limit: p.flags.has('limit') ? num('limit', 0, 1) : undefined,
    rounds: num('rounds', 3, 1),
    inputSize: num('input-size', 64, 16),
    executor,
    maxRssGrowthMiB: num('max-rss-growth-mib', 256, 0),
  };
}

interface ModelStats {
  name: string;
  strides: number[];
  runs: number;
  failures: string[];
  totalMs: number;
  maxMs: number;
  /** The largest number of ONNX sessions alive right after one of its runs. */
  maxSessionsLive: number;
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  if (o.executor) process.env.PYRAMIDSCOPE_EXECUTOR = o.executor; // read when the engine first chooses
  // Imported after the environment is set.
  const { EngineService } = await import('../src-main/engine/service');
  const { MiB, measure, noisePng, onnxSessionsLive, peakRss } = await import('../src-main/testing/soakMeasure');

  const service = new EngineService();
  const info = await service.handle('engine:info', {});
  let models = service.listModels();
  if (o.filter) models = models.filter((m) => m.name.includes(o.filter as string));
  if (o.limit) models = models.slice(0, o.limit);
  if (models.length === 0) throw new UsageError(`no model of the zoo matches --filter '${o.filter}'`);
  const images = [
    { kind: 'sample', name: 'chelsea' },
    { kind: 'file', name: 'noise-97x61.png', bytes: noisePng(97, 61, 1) },
    { kind: 'sample', name: 'rocket' },
    { kind: 'file', name: 'noise-40x300.png', bytes: noisePng(40, 300, 2) },
  ] as const;

  const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
  const start = await measure();
  const sessionsAtStart = (await onnxSessionsLive())?.live ?? 0;
  process.stdout.write(
    `soak: ${models.length} models × their output strides × ${o.rounds} rounds at ${o.inputSize} px on ${info.backend} (${info.executor}); ` +
      `start: RSS ${mib(start.rss)}, ${start.tensors} tensors\n`,
  );

  const stats = new Map<string, ModelStats>(models.map((m) => [m.name, { name: m.name, strides: m.outputStrides, runs: 0, failures: [], totalMs: 0, maxMs: 0, maxSessionsLive: 0 }]));
  const afterRound: Array<{ rss: number; tensors: number; sessionsLive: number; seconds: number }> = [];
  let maxSessionsLive = 0;
  let run = 0;
  for (let round = 1; round <= o.rounds; round++) {
    const t0 = performance.now();
    for (const m of models) {
      const s = stats.get(m.name) as ModelStats;
      // Alternate the strides' order between rounds: each model's cache entries are made and evicted in a new order.
      const strides = round % 2 === 1 ? m.outputStrides : [...m.outputStrides].reverse();
      for (const outputStride of strides) {
        const t = performance.now();
        try {
          const r = await service.handle('features:compute', { model: m.name, outputStride, inputSize: o.inputSize, image: images[run++ % images.length], runId: `soak-${run}` });
          if (r.levels.some((l) => l.data.length !== l.shape[0] * l.shape[1] * l.shape[2])) throw new Error('a level has the wrong number of values');
        } catch (e) {
          s.failures.push(`os${outputStride}: ${(e as Error).message.split('\n')[0].slice(0, 200)}`);
        }
        const ms = performance.now() - t;
        s.runs++;
        s.totalMs += ms;
        s.maxMs = Math.max(s.maxMs, ms);
        const live = (await onnxSessionsLive())?.live ?? 0;
        s.maxSessionsLive = Math.max(s.maxSessionsLive, live);
        maxSessionsLive = Math.max(maxSessionsLive, live);
      }
    }
    // Drop every cache: what is left now would be a leak.
    service.dispose();
    await new Promise((resolve) => setTimeout(resolve, 100)); // session releases are asynchronous
    const m = await measure();
    const sessions = (await onnxSessionsLive())?.live ?? 0;
    afterRound.push({ rss: m.rss, tensors: m.tensors, sessionsLive: sessions, seconds: (performance.now() - t0) / 1000 });
    process.stdout.write(
      `round ${round}/${o.rounds}: ${models.reduce((n, x) => n + x.outputStrides.length, 0)} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `after dropping the caches: RSS ${mib(m.rss)}, ${m.tensors} tensors, ${sessions} ONNX sessions alive; peak RSS so far ${mib(peakRss())}\n`,
    );
  }

  for (const s of stats.values()) {
    const status = s.failures.length ? `FAIL ${s.failures.length}/${s.runs}: ${s.failures[0]}` : 'ok';
    process.stdout.write(
      `${s.name.padEnd(28)} os ${s.strides.join(',').padEnd(8)} ${String(s.runs).padStart(3)} runs  mean ${(s.totalMs / s.runs).toFixed(0).padStart(5)} ms  max ${s.maxMs.toFixed(0).padStart(5)} ms  ` +
        `sessions alive ≤ ${s.maxSessionsLive}  ${status}\n`,
    );
  }

  const onnx = await onnxSessionsLive();
  const end = afterRound[afterRound.length - 1];
  const rssGrowth = end.rss - afterRound[0].rss;
  const failures = [...stats.values()].reduce((n, s) => n + s.failures.length, 0);
  const problems: string[] = [];
  if (end.tensors > start.tensors) problems.push(`tfjs tensors grew from ${start.tensors} to ${end.tensors}`);
  afterRound.forEach((r, i) => {
    if (r.sessionsLive > sessionsAtStart) problems.push(`${r.sessionsLive - sessionsAtStart} ONNX sessions still alive after round ${i + 1} dropped its caches`);
  });
  if (rssGrowth > o.maxRssGrowthMiB * MiB) problems.push(`RSS grew by ${mib(rssGrowth)} from round 1 to round ${o.rounds} (allowed ${o.maxRssGrowthMiB} MiB)`);
  if (failures) problems.push(`${failures} runs failed`);
  process.stdout.write(
    `summary: ${models.length} models, ${run} runs in ${afterRound.reduce((t, r) => t + r.seconds, 0).toFixed(0)} s; ` +
      `peak RSS ${mib(peakRss())}; RSS after each round ${afterRound.map((r) => mib(r.rss)).join(' → ')} (growth ${mib(rssGrowth)}); ` +
      `tfjs tensors ${start.tensors} at start, ${end.tensors} at end; ` +
      (onnx ? `ONNX sessions ${onnx.created} created, ${onnx.released} released, at most ${maxSessionsLive} alive at once` : 'ONNX Runtime not used') +
      `; ${problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'no growth'}\n`,
  );
  return problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(e instanceof UsageError ? `error: ${e.message}\n${USAGE}\n` : `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
