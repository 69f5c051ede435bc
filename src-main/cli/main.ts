/**
 * `npm run cli -- <command>`: the engine from a terminal.
 *   models                      list the zoo
 *   info <model> [...]          feature_info with output shapes
 *   run <model> --image F --out DIR [...]
 *   conformance --golden DIR    golden files, one line per case
 *   weights list|download|verify|remove
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EngineService } from '../engine/service';
import { EngineError } from '../engine/errors';
import { initBackend } from '../engine/backend';
import { parseGolden } from '../engine/conformance/golden';
import { runGoldenFile } from '../engine/conformance/runGolden';
import { tfjsExecutor } from '../engine/ops/tfjsExecutor';
import { reduceChannels } from '../../src-shared/maps/reduce';
import { UsageError, int, intList, parseFlags, type Parsed } from './args';
import { heatmapPng } from './pngWriter';
import { formatTable } from './table';
import { encodeNpy } from '../../src-shared/export/npy';
import { progressLine } from '../engine/weights/weightsCli';
import { PyramidSettingsSchema, float32Data, type InputSize, type WeightsChoice } from '../../src-shared/contract';

/** Each command's usage, shown by `<command> --help` and in the overview. */
const COMMAND_USAGE: Record<string, string> = {
  models: `models [--json]
    every model of the zoo: family, parameter count, feature levels, output strides, pretrained tags`,
  info: `info <model> [--out-indices 1,3] [--output-stride 8|16|32] [--input-size N|HxW] [--json]
    feature_info of the chosen levels with their output shapes (C×H×W), computed from shapes alone`,
  run: `run <model> --image FILE --out DIR [--out-indices ...] [--output-stride ...] [--input-size N|HxW]
      [--pretrained[=TAG] | --weights FILE.safetensors] [--npy]
    runs the model on an image: one heatmap PNG per level and feature_info.json (+ .npy per level)`,
  conformance: `conformance --golden DIR [--filter TEXT] [--executor tfjs|onnx]
    runs every golden file in DIR against the zoo: one line per case, last line 'N passed, M failed, K skipped'`,
  weights: `weights list | download <model.tag|repo> | verify [repo] | remove <repo>   (weights --help for details)`,
};

const USAGE = `usage: npm run cli -- <command>   (or: npx pyramidscope <command>)
${Object.values(COMMAND_USAGE).map((u) => `  ${u}`).join('\n')}
'<command> --help' shows one command.`;

const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');

const SETTINGS = { 'out-indices': 'string', 'output-stride': 'string', 'input-size': 'string', json: 'bool' } as const;

/** --input-size N, or H×W as HxW / H,W (timm's input_size[1:]). */
function inputSizeFlag(value: string): InputSize {
  const parts = value.split(/[x×,]/);
  if (parts.length === 1) return int('input-size', value);
  if (parts.length !== 2) throw new UsageError(`--input-size '${value.slice(0, 40)}' is not a size; give N or H×W, e.g. 224 or 241x199`);
  return [int('input-size', parts[0].trim()), int('input-size', parts[1].trim())];
}

function settingsFrom(p: Parsed): { outIndices?: number[]; outputStride?: number; inputSize?: InputSize } {
  const s: { outIndices?: number[]; outputStride?: number; inputSize?: InputSize } = {};
  const oi = p.flags.get('out-indices');
  if (typeof oi === 'string') s.outIndices = intList('out-indices', oi);
  const os = p.flags.get('output-stride');
  if (typeof os === 'string') s.outputStride = int('output-stride', os);
  const is = p.flags.get('input-size');
  if (typeof is === 'string') s.inputSize = inputSizeFlag(is);
  return s;
}

function oneModel(p: Parsed, command: string): string {
  if (p.positional.length !== 1) throw new UsageError(`${command} needs exactly one model name (see 'models'), got ${p.positional.length ? p.positional.join(' ').slice(0, 200) : 'none'}`);
  // The contract's limit, checked here because the CLI calls the engine directly (an over-long name would be echoed whole).
  const max = PyramidSettingsSchema.shape.model.maxLength ?? Infinity;
  if (p.positional[0].length > max) throw new UsageError(`model name is ${p.positional[0].length} characters long; allowed: at most ${max} (see 'models')`);
  return p.positional[0];
}

async function cmdModels(argv: string[]): Promise<number> {
  const p = parseFlags(argv, { json: 'bool' });
  const models = new EngineService().listModels();
  if (p.flags.has('json')) {
    process.stdout.write(JSON.stringify(models, null, 2) + '\n');
    return 0;
  }
  const rows = models.map((m) => [m.name, m.family, m.paramCount.toLocaleString('en-US'), m.levels.map((l) => l.numChs).join('/'), m.outputStrides.join(','), m.pretrained[0]?.name ?? '(none)']);
  process.stdout.write(formatTable(['model', 'family', 'params', 'channels', 'output_stride', 'default weights'], rows) + `\n${models.length} models\n`);
  return 0;
}

async function cmdInfo(argv: string[]): Promise<number> {
  const p = parseFlags(argv, SETTINGS);
  const d = new EngineService().describe({ model: oneModel(p, 'info'), ...settingsFrom(p) });
  if (p.flags.has('json')) {
    process.stdout.write(JSON.stringify(d, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`${d.model}  output_stride=${d.outputStride}  out_indices=(${d.outIndices.join(', ')})  input 3×${d.inputSize.join('×')}\n`);
  const rows = d.levels.map((l) => [String(l.index), l.module, String(l.numChs), String(l.reduction), l.shape.join('×')]);
  process.stdout.write(formatTable(['index', 'module', 'channels', 'reduction', 'shape (C×H×W)'], rows) + '\n');
  process.stdout.write(`channels: [${d.levels.map((l) => l.numChs).join(', ')}]  reduction: [${d.levels.map((l) => l.reduction).join(', ')}]\n`);
  return 0;
}

async function cmdRun(argv: string[]): Promise<number> {
  const p = parseFlags(argv, { ...SETTINGS, image: 'string', out: 'string', npy: 'bool', pretrained: 'optional', weights: 'string' });
  const model = oneModel(p, 'run');
  const image = p.flags.get('image');
  const out = p.flags.get('out');
  if (typeof image !== 'string') throw new UsageError('run needs --image FILE (PNG, JPEG or WebP)');
  if (typeof out !== 'string') throw new UsageError('run needs --out DIR (created if missing)');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(image));
  } catch (e) {
    throw new EngineError('BAD_IMAGE', `cannot read --image '${image}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const service = new EngineService((event, payload) => {
    if (event !== 'weights:progress') return;
    const prog = payload as { repoId: string; done: boolean } & Parameters<typeof progressLine>[0];
    // Progress goes to stderr, so stdout stays the list of what was written.
    const line = `${prog.repoId} ${progressLine(prog)}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${prog.done ? '\n' : ''}`);
    else if (prog.done) process.stderr.write(`${line}\n`);
    else throttledLine(line);
  });
  const r = await service.compute({ model, ...settingsFrom(p), image: { kind: 'file', name: path.basename(image), bytes }, weights: weightsFrom(p), transfer: 'float32' });
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (const level of r.levels) {
    const l = { ...level, data: float32Data(level) };
    const [, h, w] = l.shape;
    const name = `level${l.index}_${l.module.replace(/[^\w.-]/g, '_')}.png`;
    writeFileSync(path.join(out, name), heatmapPng(reduceChannels(l, 'mean'), h, w, Math.max(1, Math.round(r.inputSize[0] / Math.max(h, 1)))));
    files.push(name);
    if (p.flags.has('npy')) {
      const npy = `level${l.index}.npy`;
      writeFileSync(path.join(out, npy), encodeNpy(l.data, [1, ...l.shape]));
      files.push(npy);
    }
  }
  const info = {
    model: r.model,
    weights: r.weightsLabel,
    weightsSource: r.weights,
    predictions: r.predictions,
    preprocessing: r.preprocessing,
    backend: r.backend,
    outIndices: r.outIndices,
    outputStride: r.outputStride,
    inputSize: r.inputSize,
    image: path.basename(image),
    levels: r.levels.map(({ data: _data, ...rest }) => rest),
    timings: r.timings,
  };
  writeFileSync(path.join(out, 'feature_info.json'), JSON.stringify(info, null, 2) + '\n');
  files.push('feature_info.json');
  process.stdout.write(`${r.model} on ${path.basename(image)} (${r.backend}, ${r.weightsLabel}): forward ${Math.round(r.timings.forwardMs)} ms\n`);
  for (const pr of r.predictions ?? []) process.stdout.write(`  ${(pr.probability * 100).toFixed(1).padStart(5)}%  ${pr.label}\n`);
  for (const f of files) process.stdout.write(`  wrote ${path.join(out, f)}\n`);
  return 0;
}

let lastProgressLine = 0;
/** Without a terminal, a progress line every two seconds is enough. */
function throttledLine(line: string): void {
  const now = Date.now();
  if (now - lastProgressLine < 2000) return;
  lastProgressLine = now;
  process.stderr.write(`${line}\n`);
}

function weightsFrom(p: Parsed): WeightsChoice {
  const pretrained = p.flags.get('pretrained');
  const file = p.flags.get('weights');
  if (pretrained !== undefined && file !== undefined) throw new UsageError('give either --pretrained[=TAG] or --weights FILE, not both');
  if (typeof file === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new EngineError('FILE_NOT_FOUND', `cannot read --weights '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { kind: 'file', name: path.basename(file), bytes };
  }
  if (pretrained === true) return { kind: 'pretrained' };
  if (typeof pretrained === 'string') {
    if (!pretrained) throw new UsageError('--pretrained= needs a tag, e.g. --pretrained=resnet50.a1_in1k (or plain --pretrained for the default)');
    return { kind: 'pretrained', tag: pretrained };
  }
  return { kind: 'random' };
}

async function cmdConformance(argv: string[]): Promise<number> {
  const p = parseFlags(argv, { golden: 'string', filter: 'string', executor: 'string' });
  const executorName = p.flags.get('executor') ?? 'tfjs';
  if (executorName !== 'tfjs' && executorName !== 'onnx') throw new UsageError(`--executor '${String(executorName)}' is not an executor; allowed: tfjs, onnx`);
  const dir = p.flags.get('golden');
  if (typeof dir !== 'string') throw new UsageError('conformance needs --golden DIR (a folder of golden .json files)');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    throw new UsageError(`--golden '${dir}' is not a readable folder (${(e as NodeJS.ErrnoException).code})`);
  }
  const filter = p.flags.get('filter');
  if (typeof filter === 'string') files = files.filter((f) => f.includes(filter));
  if (files.length === 0) throw new UsageError(`--golden '${dir}' holds no .json golden files${typeof filter === 'string' ? ` matching '${filter}'` : ''}`);
  // The onnx executor needs no tfjs backend; load ONNX Runtime only when asked for.
  const executor = executorName === 'onnx' ? (await import('../engine/ops/onnxExecutor')).onnxExecutor : tfjsExecutor;
  const label = executorName === 'onnx' ? 'onnxruntime' : (await initBackend()).label;
  process.stdout.write(`conformance on ${label}, ${files.length} files\n`);
  const count = { pass: 0, fail: 0, skip: 0 };
  for (const f of files) {
    let g;
    try {
      g = parseGolden(readFileSync(path.join(dir, f), 'utf8'), f);
    } catch (e) {
      count.fail++;
      process.stdout.write(`FAIL ${f}: ${(e as Error).message}\n`);
      continue;
    }
    for await (const r of runGoldenFile(g, executor)) {
      count[r.status]++;
      process.stdout.write(`${r.status.toUpperCase()} ${r.model}/${r.id} (${r.seconds.toFixed(2)}s) ${r.detail}\n`);
    }
  }
  process.stdout.write(`${count.pass} passed, ${count.fail} failed, ${count.skip} skipped\n`);
  return count.fail ? 1 : 0;
}

async function cmdWeights(argv: string[]): Promise<number> {
  const { weightsCommand } = await import('../engine/weights/weightsCli');
  return weightsCommand(argv, process.stdout, process.stderr);
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  models: cmdModels,
  info: cmdInfo,
  run: cmdRun,
  conformance: cmdConformance,
  weights: cmdWeights,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // No arguments: the usage (status 2). An empty command ('') is an unknown one, below.
    if (command === undefined || command === '--help' || command === 'help') {
      process.stdout.write(USAGE + '\n');
      return command ? 0 : 2;
    }
    const fn = COMMANDS[command];
    if (!fn) throw new UsageError(`unknown command '${command}'; allowed: ${Object.keys(COMMANDS).join(', ')}`);
    // weights has subcommands and its own usage text; every other command answers --help here.
    if (command !== 'weights' && wantsHelp(rest)) {
      process.stdout.write(`usage: npm run cli -- ${COMMAND_USAGE[command]}\n`);
      return 0;
    }
    if (command === 'weights' && rest.length > 1 && wantsHelp(rest.slice(1))) return await fn(['--help']);
    return await fn(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr have handed every byte to the OS: a pipe is
 * written asynchronously, and process.exit() before it drains cuts the output
 * (it stopped at 64 KiB). A reader that closes early (`| head`) ends the
 * command quietly, as for any Unix filter.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2)).then(exitAfterFlush);
