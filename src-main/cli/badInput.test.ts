/**
 * Bad input through the CLI, as a user types it: a real process, real files.
 * Each row fails with status 2 and one line, `error: …`, naming the value and
 * what is allowed; valid edge cases succeed.
 *
 * PYRAMIDSCOPE_BAD_INPUT_REPORT=DIR writes what each row printed to DIR/cli.md, as a table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { images, weightFiles } from '../testing/badInputFixtures';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-badcli-'));
const out = path.join(dir, 'out');
const at = (name: string) => path.join(dir, name);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  const files: Record<string, Uint8Array> = {
    'empty.png': images.empty,
    'truncated.png': images.truncatedPng,
    'truncated.jpg': images.truncatedJpeg,
    'notes.png': images.notes,
    'logo.png': images.svg,
    'huge.png': images.hugeHeader,
    'zero.png': images.zeroByZero,
    'dot.png': images.onePixel,
    'len2pow63.safetensors': weightFiles.headerLength2pow63,
    'pastend.safetensors': weightFiles.headerPastEnd,
    'overlap.safetensors': weightFiles.overlapping,
    'oob.safetensors': weightFiles.outOfBounds,
    'dtype.safetensors': weightFiles.unknownDtype,
    'trailing.safetensors': weightFiles.trailingBytes,
    'regnet.safetensors': weightFiles.otherModel,
    'resnet18.pth': weightFiles.pytorchZip,
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(at(name), bytes);
  mkdirSync(at('folder.png'));
});

const printed: Array<[string, string]> = [];
afterAll(() => {
  const report = process.env.PYRAMIDSCOPE_BAD_INPUT_REPORT;
  if (!report) return;
  const cell = (s: string) => s.trim().replaceAll('|', '\\|').replaceAll('\n', ' ').replaceAll(dir, '<tmp>');
  writeFileSync(path.join(report, 'cli.md'), ['| input | status 2, stderr |', '| --- | --- |', ...printed.map(([l, e]) => `| ${cell(l)} | ${cell(e)} |`)].join('\n') + '\n');
});

const run = (image: string, ...more: string[]) => ['run', 'resnet18', '--image', at(image), '--out', out, '--input-size', '32', '--out-indices', '4', ...more];
const runWeights = (weights: string) => run('dot.png', '--weights', at(weights));

describe('bad input through the CLI: status 2, one line naming the value and what is allowed', () => {
  it.each<[string, string[], string[]]>([
    // Settings
    ['unknown model', ['info', 'resnet51'], ["unknown model 'resnet51'"]],
    ['huge model name', ['info', 'x'.repeat(100_000)], ['model name is 100000 characters long; allowed: at most 200']],
    ['huge model name, twice', ['info', 'x'.repeat(100_000), 'y'], ['info needs exactly one model name']],
    ['no model', ['info'], ['info needs exactly one model name', 'none']],
    ['two models', ['info', 'resnet18', 'resnet50'], ['info needs exactly one model name', 'resnet18 resnet50']],
    ['out_indices not a number', ['info', 'resnet50', '--out-indices', '1,x'], ["--out-indices '1,x': 'x' is not a whole number"]],
    ['out_indices empty', ['info', 'resnet50', '--out-indices', ''], ["--out-indices ''"]],
    ['out_indices out of range (7)', ['info', 'resnet50', '--out-indices', '7'], ['out_indices value 7 is out of range', 'allowed: 0..4']],
    ['out_indices out of range (-7)', ['info', 'resnet50', '--out-indices=-7'], ['out_indices value -7 is out of range', 'allowed: 0..4 (or -5..-1 from the end)']],
    ['out_indices duplicated', ['info', 'resnet50', '--out-indices=2,-3'], ['names level 2 twice']],
    ['output_stride unsupported by the model', ['info', 'densenet121', '--output-stride', '8'], ['output_stride 8 is not supported by densenet121; allowed: 32']],
    ['output_stride 12', ['info', 'resnet50', '--output-stride', '12'], ['output_stride 12 is not supported by resnet50; allowed: 8, 16, 32']],
    ['output_stride not a number', ['info', 'resnet50', '--output-stride', 'x'], ["--output-stride 'x' is not a whole number"]],
    ['input size 0', ['info', 'resnet18', '--input-size', '0'], ['input size 0 is not allowed; allowed: whole numbers 16..2048']],
    ['input size 1', ['info', 'resnet18', '--input-size', '1'], ['input size 1 is not allowed; allowed: whole numbers 16..2048']],
    ['input size 10000', ['info', 'resnet18', '--input-size', '10000'], ['input size 10000 is not allowed; allowed: whole numbers 16..2048']],
    ['input size negative', ['info', 'resnet18', '--input-size=-5'], ['input size -5 is not allowed; allowed: whole numbers 16..2048']],
    ['input size NaN', ['info', 'resnet18', '--input-size', 'NaN'], ["--input-size 'NaN' is not a whole number"]],
    ['input size 2.5', ['info', 'resnet18', '--input-size', '2.5'], ["--input-size '2.5' is not a whole number"]],
    ['input size with 400 digits', ['info', 'resnet18', '--input-size', '9'.repeat(400)], [`--input-size '${'9'.repeat(40)}…' is not a whole number`]],
    ['out_indices with 30 digits', ['info', 'resnet18', '--out-indices', '1,' + '9'.repeat(30)], [`'${'9'.repeat(30)}' is not a whole number`]],
    // Images
    ['image missing', run('nope.png'), ['cannot read --image', 'nope.png', 'ENOENT']],
    ['image is a folder', run('folder.png'), ['cannot read --image', 'folder.png', 'EISDIR']],
    ['image empty', run('empty.png'), ['"empty.png"', '0 bytes', 'PNG, JPEG or WebP']],
    ['PNG truncated', run('truncated.png'), ['"truncated.png"', 'truncated']],
    ['JPEG truncated', run('truncated.jpg'), ['"truncated.jpg"', 'truncated']],
    ['text file named .png', run('notes.png'), ['"notes.png"', 'PNG, JPEG or WebP']],
    ['SVG named .png', run('logo.png'), ['"logo.png"', 'SVG']],
    ['PNG header declaring 0×0', run('zero.png'), ['"zero.png"', '0×0']],
    ['PNG header declaring 30000×30000', run('huge.png'), ['"huge.png"', '30000×30000', '16384 pixels a side']],
    // Weights files
    ['weights: header length 2^63', runWeights('len2pow63.safetensors'), ['len2pow63.safetensors', '9223372036854775808']],
    ['weights: header longer than the file', runWeights('pastend.safetensors'), ['pastend.safetensors', 'runs past the end']],
    ['weights: overlapping offsets', runWeights('overlap.safetensors'), ['overlap.safetensors', 'overlap']],
    ['weights: out-of-bounds offsets', runWeights('oob.safetensors'), ['oob.safetensors', '[0, 1000]']],
    ['weights: unknown dtype', runWeights('dtype.safetensors'), ['dtype.safetensors', 'F99', 'allowed: F32, F16, BF16']],
    ['weights: trailing bytes', runWeights('trailing.safetensors'), ['trailing.safetensors', 'trailing bytes']],
    ["weights: another model's keys", runWeights('regnet.safetensors'), ['regnet.safetensors', 'resnet18']],
    ['weights: a PyTorch checkpoint', runWeights('resnet18.pth'), ['resnet18.pth', 'safetensors']],
    ['weights file missing', runWeights('nope.safetensors'), ["cannot read --weights '", 'ENOENT']],
  ])('%s', (label, args, mentions) => {
    const r = cli(...args);
    printed.push([label, r.err]);
    expect(r.code, r.err).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: /);
    for (const m of mentions) expect(r.err).toContain(m);
    expect(r.err.length).toBeLessThan(1000);
  });
});

describe('valid edge cases through the CLI', () => {
  it('input size 16 (the smallest allowed)', () => {
    const r = cli('info', 'resnet18', '--input-size', '16');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/layer4\s+512\s+32\s+512×1×1/);
  });

  it('a 1×1 image runs, upscaled to the input size', () => {
    const r = cli(...run('dot.png'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('resnet18 on dot.png');
  });
});
