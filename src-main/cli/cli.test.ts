/** The CLI as a user runs it: a real process, real files. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy } from '../../src-shared/export/npy';

const root = path.resolve(import.meta.dirname, '../..');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-cli-'));

describe('cli', () => {
  it('models lists the zoo with timm parameter counts', () => {
    const r = cli('models');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/resnet50\s+resnet\s+25,557,032/);
    expect(r.out).toMatch(/regnety_032\s+regnet\s+19,436,338/);
    expect(Number(/\n(\d+) models\n/.exec(r.out)?.[1])).toBeGreaterThanOrEqual(157);
  });

  it("info prints the seed page's ecaresnet101d numbers", () => {
    const r = cli('info', 'ecaresnet101d', '--output-stride', '8', '--out-indices', '2,4', '--input-size', '320');
    expect(r.code).toBe(0);
    expect(r.out).toContain('channels: [512, 2048]  reduction: [8, 8]');
    expect(r.out).toMatch(/layer4\s+2048\s+8\s+2048×40×40/);
  });

  it('run writes one heatmap per level, feature_info.json and .npy files', () => {
    const out = tmp();
    const r = cli('run', 'resnet18', '--image', 'resources/samples/chelsea.png', '--out', out, '--out-indices', '1,-1', '--npy');
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['feature_info.json', 'level1.npy', 'level1_layer1.png', 'level4.npy', 'level4_layer4.png']);
    const info = JSON.parse(readFileSync(path.join(out, 'feature_info.json'), 'utf8'));
    expect(info.levels.map((l: { shape: number[] }) => l.shape)).toEqual([
      [64, 56, 56],
      [512, 7, 7],
    ]);
    const npy = decodeNpy(new Uint8Array(readFileSync(path.join(out, 'level4.npy'))));
    expect(npy.shape).toEqual([1, 512, 7, 7]);
    expect(npy.data.length).toBe(512 * 49);
    expect(readFileSync(path.join(out, 'level1_layer1.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'; allowed: models, info, run, conformance, weights"],
    [['info', 'resnet51'], "unknown model 'resnet51'"],
    [['info', 'resnet50', '--output-stride', '12'], 'output_stride 12 is not supported by resnet50; allowed: 8, 16, 32'],
    [['info', 'resnet50', '--out-indices', '1,x'], "--out-indices '1,x': 'x' is not a whole number"],
    [['info', 'resnet50', '--out-indices', '9'], 'out_indices value 9 is out of range'],
    [['info', 'resnet50', '--input-size', '10000'], 'input size 10000 is not allowed; allowed: whole numbers 16..2048'],
    [['info', 'resnet50', '--colour'], "unknown option '--colour'"],
    [['run', 'resnet50', '--out', '/tmp/x'], 'run needs --image FILE'],
    [['run', 'resnet50', '--image', '/nonexistent.png', '--out', '/tmp/x'], "cannot read --image '/nonexistent.png': ENOENT"],
    [['conformance', '--golden', '/nonexistent'], "--golden '/nonexistent' is not a readable folder"],
  ])('%j fails with one clear line and status 2', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: /);
    expect(r.err).toContain(message);
  });

  it('conformance passes a true golden, fails a corrupted one, and skips unknown models', () => {
    const dir = tmp();
    copyFileSync(path.join(root, 'test-data/golden/resnet18.json'), path.join(dir, 'resnet18.json'));
    const pass = cli('conformance', '--golden', dir);
    expect(pass.code).toBe(0);
    expect(pass.out.trim().split('\n').at(-1)).toBe('1 passed, 0 failed, 0 skipped');

    const g = JSON.parse(readFileSync(path.join(dir, 'resnet18.json'), 'utf8'));
    g.cases[0].outputs[2].samples[5][1] += 0.05 * (1 + Math.abs(g.cases[0].outputs[2].samples[5][1]));
    writeFileSync(path.join(dir, 'resnet18.json'), JSON.stringify(g));
    g.model = 'notamodel';
    writeFileSync(path.join(dir, 'notamodel.json'), JSON.stringify(g));
    const fail = cli('conformance', '--golden', dir);
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/FAIL resnet18\/features_default .*output 2: x\[\d+\]/);
    expect(fail.out).toContain("SKIP notamodel/features_default (0.00s) model 'notamodel' is not in the zoo yet");
    expect(fail.out.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 1 skipped');
  });
});
