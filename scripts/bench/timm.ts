/**
 * The same measurement in timm (PyTorch eager, CPU), for the ours/timm ratio.
 * Runs where `python3 -c "import torch, timm"` works with the caller's
 * environment (timm comes from PYTHONPATH or site-packages; it is never vendored).
 * The Python snippet is written to a temp file and run in its own process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TimmMeasurement {
  model: string;
  torch: string;
  timm: string;
  threads: number;
  firstRunMs: number;
  timesMs: number[];
  peakRssBytes: number;
}

/** PYRAMIDSCOPE_BENCH_PYTHON, else Debian's python3 (where python3-torch lives). */
export const python = (): string => process.env.PYRAMIDSCOPE_BENCH_PYTHON ?? '/usr/bin/python3';

const SNIPPET = `
import json, os, resource, sys, time
import torch, timm

name, runs, size, warm_up, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if threads == "all":
    torch.set_num_threads(os.cpu_count())
x = torch.randn(1, 3, size, size)
with torch.no_grad():
    t0 = time.perf_counter()
    model = timm.create_model(name, pretrained=False, features_only=True).eval()
    model(x)
    first = time.perf_counter() - t0
    for _ in range(warm_up):
        model(x)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t)
print(json.dumps({
    "model": name, "torch": torch.__version__, "timm": timm.__version__, "threads": torch.get_num_threads(),
    "firstRunMs": first * 1e3, "timesMs": [t * 1e3 for t in times],
    "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
`;

/** Why timm cannot run here, or undefined when it can. */
export function timmUnavailable(): string | undefined {
  const r = spawnSync(python(), ['-c', 'import torch, timm'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${python()}: ${r.error.message}`;
  if (r.status !== 0) return (r.stderr.trim().split('\n').pop() ?? 'import failed').slice(0, 200);
  return undefined;
}

/**
 * 'all': torch on every core (the strongest baseline, what the ratio uses);
 * 'default': torch's own thread count, what a notebook gets without set_num_threads.
 */
export type TimmThreads = 'all' | 'default';

export function measureTimm(model: string, runs: number, size: number, warmUp: number, threads: TimmThreads = 'all'): TimmMeasurement {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-bench-'));
  try {
    const file = path.join(dir, 'timm_bench.py');
    writeFileSync(file, SNIPPET);
    const r = spawnSync(python(), [file, model, String(runs), String(size), String(warmUp), threads], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`timm ${model}: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TimmMeasurement;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
