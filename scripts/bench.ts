/**
 * `npm run bench -- [--models a,b] [--runs N] [--size 224] [--executors tfjs,onnx] [--json FILE] [--no-timm]`
 *
 * Engine speed per model: features_only with default out_indices, batch 1, a
 * square input (224). Each (model, executor) runs in a fresh process: first run
 * (model build + weight preparation + first forward), warm-up, then N timed
 * forwards (median, p90), and the process's peak RSS. Where `python3 -c "import
 * torch, timm"` works, timm runs the same model in the same way, with torch on
 * every core (the ratio ours/timm) and, where it differs, with torch's default
 * thread count (what a notebook gets). Prints a table; --json also writes every timing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { UsageError, int, parseFlags } from '../src-main/cli/args';
import { formatTable } from '../src-main/cli/table';
import { getEntry } from '../src-main/engine/zoo/registry';
import { WARM_UP_RUNS, onnxExecutorAvailable, type Measurement } from './bench/measure';
import { measureTimm, python, timmUnavailable, type TimmMeasurement } from './bench/timm';
import { median, percentile } from './bench/stats';

/** One model per family: the seed families, then wave 2a, then wave 2b's three the issue names. */
const DEFAULT_MODELS = [
  'resnet50',
  'resnext50_32x4d',
  'seresnet50',
  'ecaresnet101d',
  'resnest26d',
  'densenet121',
  'ese_vovnet19b_dw',
  'regnetx_002',
  'regnety_032',
  'xception41',
  'efficientnet_b0',
  'mobilenetv3_large_100',
  'convnext_tiny',
  'vgg16',
  'cspdarknet53',
  'hrnet_w18',
  'inception_v3',
];

interface Row {
  model: string;
  engine: Measurement[];
  errors: Array<{ executor: string; message: string }>;
  timm?: TimmMeasurement;
  /** timm with torch's default thread count, where that differs from every core. */
  timmDefault?: TimmMeasurement;
  timmError?: string;
}

function parse(argv: string[]) {
  const p = parseFlags(argv, { models: 'string', runs: 'string', size: 'string', executors: 'string', json: 'string', 'no-timm': 'bool' });
  if (p.positional.length) throw new UsageError(`unexpected argument '${p.positional[0]}'`);
  const models = ((p.flags.get('models') as string | undefined)?.split(',').map((s) => s.trim()).filter(Boolean)) ?? DEFAULT_MODELS;
  for (const m of models) getEntry(m); // names the model and what exists when it does not
  const runs = p.flags.has('runs') ? int('runs', p.flags.get('runs') as string) : 10;
  if (runs < 1) throw new UsageError(`--runs ${runs} must be at least 1`);
  const size = p.flags.has('size') ? int('size', p.flags.get('size') as string) : 224;
  if (size < 32) throw new UsageError(`--size ${size} must be at least 32`);
  const available = ['tfjs', ...(onnxExecutorAvailable() ? ['onnx'] : [])];
  const executors = ((p.flags.get('executors') as string | undefined)?.split(',').map((s) => s.trim())) ?? available;
  for (const e of executors) {
    if (!available.includes(e)) throw new UsageError(`--executors: '${e}' is not available here; available: ${available.join(', ')}`);
  }
  return { models, runs, size, executors, json: p.flags.get('json') as string | undefined, timm: !p.flags.has('no-timm') };
}

/** Runs scripts/bench/measure.ts in a fresh Node process. */
function measureInChild(model: string, executor: string, runs: number, size: number): Measurement {
  const script = fileURLToPath(new URL('./bench/measure.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, model, executor, String(runs), String(size)], {
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 3).join(' | '));
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Measurement;
}

const ms = (v: number) => v.toFixed(v < 100 ? 1 : 0);
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)}`;

function table(rows: Row[]): string {
  const header = ['model', 'executor', 'runtime', 'first run ms', 'median ms', 'p90 ms', 'peak RSS MB', 'timm median ms', 'ours/timm', 'ours/timm default threads'];
  const lines: string[][] = [];
  for (const r of rows) {
    const timmMedian = r.timm ? median(r.timm.timesMs) : undefined;
    const timmDefaultMedian = r.timmDefault ? median(r.timmDefault.timesMs) : undefined;
    for (const m of r.engine) {
      const med = median(m.timesMs);
      lines.push([
        r.model,
        m.executor,
        m.runtime,
        ms(m.firstRunMs),
        ms(med),
        ms(percentile(m.timesMs, 90)),
        mb(m.peakRssBytes),
        timmMedian === undefined ? '-' : ms(timmMedian),
        timmMedian === undefined ? '-' : `${(med / timmMedian).toFixed(2)}×`,
        timmDefaultMedian === undefined ? '-' : `${(med / timmDefaultMedian).toFixed(2)}×`,
      ]);
    }
    for (const e of r.errors) lines.push([r.model, e.executor, `error: ${e.message}`.slice(0, 80), '-', '-', '-', '-', '-', '-', '-']);
    for (const [t, how] of [[r.timm, 'all cores'], [r.timmDefault, 'torch default']] as const) {
      if (t) lines.push([r.model, 'timm', `torch ${t.torch} (${t.threads} thread${t.threads > 1 ? 's' : ''}, ${how})`, ms(t.firstRunMs), ms(median(t.timesMs)), ms(percentile(t.timesMs, 90)), mb(t.peakRssBytes), '', '', '']);
    }
  }
  return formatTable(header, lines);
}

function main(): void {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const timmWhyNot = o.timm ? timmUnavailable() : 'skipped (--no-timm)';
  process.stdout.write(
    `bench: ${o.models.length} models, features_only, 1×3×${o.size}×${o.size}, ${WARM_UP_RUNS} warm-up + ${o.runs} timed runs; ` +
      `executors ${o.executors.join(', ')}; timm: ${timmWhyNot ? `not run (${timmWhyNot})` : `${python()}`}\n` +
      `machine: ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  const rows: Row[] = [];
  for (const model of o.models) {
    const row: Row = { model, engine: [], errors: [] };
    for (const executor of o.executors) {
      try {
        row.engine.push(measureInChild(model, executor, o.runs, o.size));
      } catch (e) {
        row.errors.push({ executor, message: (e as Error).message });
      }
    }
    if (!timmWhyNot) {
      try {
        row.timm = measureTimm(model, o.runs, o.size, WARM_UP_RUNS, 'all');
        const byDefault = measureTimm(model, o.runs, o.size, WARM_UP_RUNS, 'default');
        if (byDefault.threads !== row.timm.threads) row.timmDefault = byDefault;
      } catch (e) {
        row.timmError = (e as Error).message;
      }
    }
    rows.push(row);
    const done = row.engine.map((m) => `${m.executor} ${ms(median(m.timesMs))} ms`).concat(row.timm ? [`timm ${ms(median(row.timm.timesMs))} ms`] : []);
    process.stderr.write(`  ${model}: ${done.join(', ') || 'no result'}\n`);
  }
  process.stdout.write(`${table(rows)}\n`);
  for (const r of rows) if (r.timmError) process.stdout.write(`timm ${r.model}: ${r.timmError}\n`);
  if (o.json) {
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
      settings: { size: o.size, runs: o.runs, warmUp: WARM_UP_RUNS, featuresOnly: true, batch: 1 },
      timm: timmWhyNot ? { ran: false, reason: timmWhyNot } : { ran: true, python: python() },
      results: rows.map((r) => ({
        model: r.model,
        engine: r.engine.map((m) => ({ ...m, medianMs: median(m.timesMs), p90Ms: percentile(m.timesMs, 90) })),
        errors: r.errors,
        timm: r.timm && { ...r.timm, medianMs: median(r.timm.timesMs), p90Ms: percentile(r.timm.timesMs, 90) },
        timmDefaultThreads: r.timmDefault && { ...r.timmDefault, medianMs: median(r.timmDefault.timesMs), p90Ms: percentile(r.timmDefault.timesMs, 90) },
        timmError: r.timmError,
        oursOverTimm: r.timm && Object.fromEntries(r.engine.map((m) => [m.executor, median(m.timesMs) / median((r.timm as TimmMeasurement).timesMs)])),
      })),
    };
    writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${o.json}\n`);
  }
}

main();
