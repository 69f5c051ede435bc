/**
 * Property-based fuzzing of the command line (fast-check). In process, for
 * volume: the CLI's own `main(argv)` (flag parser, every command's flag
 * handling and the engine's validation behind it) on generated argument lists
 * — token soup, and valid commands with one wrong argument. A few of the same
 * argument lists then run as real processes, which must answer exactly as in
 * process. Properties:
 * - status 0, or 2 with one line `error: …` on stderr (1 only where a command
 *   documents it: a failed weights operation, failed conformance cases) —
 *   never an uncaught exception;
 * - with one wrong argument, the line names that argument or its value.
 * Hub access is offline (HF_HUB_OFFLINE=1, an unroutable endpoint, temp caches).
 * Runs that would compute stay at 16–32 px.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fuzzSuite } from '../testing/fuzzSuite';
import { images, weightFiles } from '../testing/badInputFixtures';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-clifuzz-'));
const at = (name: string) => path.join(dir, name);
const { runs, property, stats } = fuzzSuite('cli');

// The hub stays out of reach, and caches are ours (the real processes get the same environment).
Object.assign(process.env, {
  HF_HUB_OFFLINE: '1',
  HF_ENDPOINT: 'http://127.0.0.1:9',
  HF_HUB_CACHE: mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-clifuzz-hub-')),
  PYRAMIDSCOPE_WEIGHTS_DIR: mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-clifuzz-local-')),
});

type Main = (argv: string[]) => Promise<number>;
let main: Main;

/** Runs main(argv) in this process with stdout and stderr captured. */
async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const capture = (add: (s: string) => void) =>
    ((chunk: unknown, enc?: unknown, cb?: unknown) => {
      add(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') done();
      return true;
    }) as typeof process.stdout.write;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (out += s)));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (err += s)));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const startDir = process.cwd();

beforeAll(async () => {
  // Relative paths in generated arguments (--out x, --golden ..) land in the temp folder, not the repo.
  process.chdir(dir);
  const files: Record<string, Uint8Array> = {
    'dot.png': images.onePixel,
    'notes.png': images.notes,
    'huge.png': images.hugeHeader,
    'truncated.png': images.truncatedPng,
    'pastend.safetensors': weightFiles.headerPastEnd,
    'regnet.safetensors': weightFiles.otherModel,
    'resnet18.pth': weightFiles.pytorchZip,
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(at(name), bytes);
  mkdirSync(at('folder.png'));
  mkdirSync(at('golden-empty'));
  mkdirSync(at('golden-junk'));
  writeFileSync(at('golden-junk/junk.json'), '{"not": "a golden file"}');
  // Importing main.ts runs it once with this process's (empty) arguments and then exits:
  // hold process.exit and the output while that happens, then call main() directly.
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const silent = ((_c: unknown, enc?: unknown, cb?: unknown) => ((typeof enc === 'function' ? enc : cb) as (() => void) | undefined)?.() ?? true) as typeof process.stdout.write;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(silent);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(silent);
  try {
    ({ main } = (await import('./main')) as { main: Main });
    await vi.waitFor(() => expect(exit).toHaveBeenCalled(), { timeout: 60_000 });
  } finally {
    exit.mockRestore();
    o.mockRestore();
    e.mockRestore();
  }
});

afterAll(() => {
  vi.restoreAllMocks();
  process.chdir(startDir);
});

// ---------------------------------------------------------------- generators

const COMMANDS = ['models', 'info', 'run', 'conformance', 'weights'];
const FLAGS = ['--out-indices', '--output-stride', '--input-size', '--json', '--image', '--out', '--npy', '--pretrained', '--weights', '--golden', '--filter', '--executor', '--revision', '--cache-dir', '--all', '--help', '-h', '--', '--nope', '--JSON', '---json', '--out-indices=', '--pretrained='];
const MODELS = ['resnet18', 'resnet50', 'densenet121', 'resnet51', 'RESNET18', 'resnet18.a1_in1k', 'timm/resnet18.a1_in1k', 'x'.repeat(300), ''];
const PATHS = ['dot.png', 'notes.png', 'huge.png', 'truncated.png', 'folder.png', 'nope.png', 'pastend.safetensors', 'regnet.safetensors', 'resnet18.pth', 'golden-empty', 'golden-junk', 'nope-dir'].map(at);
const VALUES = fc.oneof(
  fc.constantFrom('0', '1', '-1', '4', '5', '-6', '7', '8', '12', '16', '32', '64', '2048', '2049', '1,3', '1,,3', ',', '1,', '2,-3', '1.5', 'NaN', '1e3', '0x10', ' 1', '16x16', '16x', 'x16', '16x16x16', '9'.repeat(40), 'tfjs', 'onnx', 'gpu', 'main', '..', '\u0000', '😀'),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
);
const token = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FLAGS) }, { weight: 3, arbitrary: VALUES }, { weight: 2, arbitrary: fc.constantFrom(...MODELS) }, { weight: 2, arbitrary: fc.constantFrom(...PATHS) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FLAGS), VALUES).map(([f, v]) => `${f}=${v}`) });
const SUBCOMMANDS = ['list', 'download', 'verify', 'remove', 'help', 'nope'];

/** Would this argument list compute something costly (a run above 64 px, a conformance with cases)? Those are left out. */
function costly(argv: string[]): boolean {
  if (argv[0] !== 'run' || argv.includes('--help') || argv.includes('-h')) return false;
  let size: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--input-size') size = argv[i + 1];
    else if (a.startsWith('--input-size=')) size = a.slice('--input-size='.length);
  });
  if (size === undefined) return true;
  const sides = size.split(/[x×,]/).map((s) => Number(s.trim()));
  return sides.every((n) => Number.isInteger(n) && n >= 16) && sides.some((n) => n > 64);
}

/** Any command, then any tokens. */
const soupArb: fc.Arbitrary<string[]> = fc
  .tuple(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...COMMANDS) }, { weight: 1, arbitrary: fc.constantFrom('help', 'nope', '--json', '') }), fc.constantFrom(...SUBCOMMANDS), fc.array(token, { maxLength: 7 }))
  .map(([cmd, sub, rest]) => (cmd === 'weights' ? [cmd, sub, ...rest] : [cmd, ...rest]))
  .filter((argv) => !costly(argv));

interface CliFault {
  argv: string[];
  /** The error line must contain one of these. */
  mentions: string[];
}

const run16 = (...more: string[]) => ['run', 'resnet18', '--image', at('dot.png'), '--out', at('out'), '--input-size', '16', '--out-indices', '4', ...more];
const info = (...more: string[]) => ['info', 'resnet50', ...more];
const wrongInt = fc.oneof(fc.constantFrom('x', '1.5', 'NaN', '1e3', '0x10', '', '9'.repeat(30), '--'), fc.string({ maxLength: 6 }).filter((s) => !/^\s*-?\d+\s*$/.test(s)));
/** How the engine's messages name a flag's setting. */
const HUMAN: Record<string, string> = { '--out-indices': 'out_indices', '--output-stride': 'output_stride', '--input-size': 'input size' };
const quoted = (v: string) => `'${v.length > 40 ? v.slice(0, 40) : v}`;

/** A valid command with exactly one argument made wrong, and how its error line names it. */
const faultArb: fc.Arbitrary<CliFault> = fc.oneof(
  fc.constantFrom('--nope', '--JSON', '---json', '--out-indice', '--input').chain((flag) => fc.constantFrom(info(flag), run16(flag)).map((argv) => ({ argv, mentions: [flag.split('=')[0]] }))),
  fc.tuple(fc.constantFrom('--out-indices', '--output-stride', '--input-size'), wrongInt).map(([flag, v]) => ({ argv: info(`${flag}=${v}`), mentions: [flag, quoted(v), HUMAN[flag]] })),
  fc.integer().filter((i) => i > 4 || i < -5).map((i) => ({ argv: info('--out-indices', `1,${i}`), mentions: [`${i}`, 'out_indices'] })),
  fc.integer().filter((s) => ![8, 16, 32].includes(s)).map((s) => ({ argv: info(`--output-stride=${s}`), mentions: [`output_stride ${s}`] })),
  fc.oneof(fc.integer({ max: 15 }), fc.integer({ min: 2049 })).map((s) => ({ argv: info(`--input-size=${s}`), mentions: [`input size ${s}`, `${s}`] })),
  fc.constantFrom('--out-indices', '--output-stride', '--input-size', '--image', '--out').map((flag) => ({ argv: [...info(), flag], mentions: [flag] })),
  fc.constantFrom('resnet51', 'RESNET18', 'vgg99', 'zz_top', '../x').map((m) => ({ argv: ['info', m], mentions: [`'${m}'`] })),
  fc.constantFrom<string[]>(['info'], ['info', 'resnet18', 'resnet50'], ['run']).map((argv) => ({ argv, mentions: ['exactly one model name'] })),
  fc.constantFrom('nope.png', 'folder.png', 'notes.png', 'huge.png', 'truncated.png').map((f) => ({ argv: ['run', 'resnet18', '--image', at(f), '--out', at('out'), '--input-size', '16'], mentions: [f] })),
  fc.constantFrom('pastend.safetensors', 'regnet.safetensors', 'resnet18.pth', 'nope.safetensors').map((f) => ({ argv: run16('--weights', at(f)), mentions: [f] })),
  fc.constantFrom('--pretrained=', '--pretrained=nope_tag').map((f) => ({ argv: run16(f), mentions: ['--pretrained', 'nope_tag'] })),
  fc.constant<CliFault>({ argv: run16('--pretrained', '--weights', at('regnet.safetensors')), mentions: ['--pretrained', '--weights'] }),
  fc.constantFrom('gpu', 'TFJS', '').map((x) => ({ argv: ['conformance', '--golden', at('golden-empty'), `--executor=${x}`], mentions: [`'${x}'`] })),
  fc.constantFrom('golden-empty', 'nope-dir', 'dot.png').map((g) => ({ argv: ['conformance', '--golden', at(g)], mentions: [g] })),
  fc.constantFrom<CliFault>(
    { argv: ['weights', 'nope'], mentions: ["'nope'"] },
    { argv: ['weights', 'list', '--nope'], mentions: ["'--nope'"] },
    { argv: ['weights', 'download'], mentions: ["'weights download' needs"] },
    { argv: ['weights', 'download', 'resnet51'], mentions: ["'resnet51'"] },
    { argv: ['weights', 'download', 'resnet18.nope'], mentions: ["'nope'"] },
    { argv: ['weights', 'remove', 'a/b/c'], mentions: ['"a/b/c"', "'a/b/c'"] },
    { argv: ['weights', 'download', 'resnet18', '--revision'], mentions: ['--revision'] },
  ),
);

// ---------------------------------------------------------------- properties

/** The contract of every answer: status 0, or an error line; 1 only where a command documents it. */
function checkAnswer(argv: string[], r: { code: number; out: string; err: string }): void {
  const what = `${JSON.stringify(argv).slice(0, 300)} → ${r.code}: ${r.err.slice(0, 300)}`;
  const documented1 = argv[0] === 'weights' || (argv[0] === 'conformance' && /\d+ passed, \d+ failed/.test(r.out));
  expect([0, 2, ...(documented1 ? [1] : [])], what).toContain(r.code);
  if (r.code === 2) {
    const lines = r.err.trimEnd().split('\n');
    expect(lines, what).toHaveLength(1);
    expect(lines[0], what).toMatch(/^error: \S/);
    expect(lines[0].length, what).toBeLessThan(1000);
  }
  if (r.code === 1 && argv[0] === 'weights') expect(r.err + r.out, what).toMatch(/error: |problem/);
}

const seen: Array<{ argv: string[]; code: number; err: string }> = [];


describe('the command line under fuzzing', () => {
  it('answers any argument list with status 0 or one error line (in process)', async () => {
    await property('token soup', 400, soupArb, async (argv) => {
      const r = await inProcess(argv);
      checkAnswer(argv, r);
      if (seen.length < 400) seen.push({ argv, code: r.code, err: r.err });
    });
  });

  it('names the one wrong argument of an otherwise valid command (in process)', async () => {
    await property('one wrong argument', 400, faultArb, async ({ argv, mentions }) => {
      const r = await inProcess(argv);
      checkAnswer(argv, r);
      expect(r.code, `${JSON.stringify(argv)} was accepted: ${r.out.slice(0, 200)}`).not.toBe(0);
      expect(
        mentions.some((m) => r.err.includes(m)),
        `${JSON.stringify(argv).slice(0, 300)}: '${r.err.trim()}' names none of ${mentions.join(', ')}`,
      ).toBe(true);
    });
  });

  it('answers as in process when run as real processes', async () => {
    // A few argument lists from the soup, each run as `node --import tsx src-main/cli/main.ts …`.
    const picked = fc.sample(fc.constantFrom(...seen.filter((s) => s.code === 2)), { numRuns: 2, seed: runs(1).seed });
    const t0 = performance.now();
    const results = await Promise.all(picked.map((s) => realCli(s.argv)));
    results.forEach((r, i) => {
      checkAnswer(picked[i].argv, r);
      expect({ code: r.code, err: r.err }, JSON.stringify(picked[i].argv)).toEqual({ code: picked[i].code, err: picked[i].err });
    });
    console.log(`[fuzz] cli: real processes: ${picked.length} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n${stats.join('\n')}`);
  });
});

function realCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    // From the temp folder, as in process; tsx by its resolved URL, since that folder has no node_modules.
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src-main/cli/main.ts'), ...argv], { cwd: dir, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
  });
}
