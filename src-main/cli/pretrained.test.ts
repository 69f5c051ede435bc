/**
 * Issue 4's acceptance flow: `run --pretrained` against a loopback server
 * playing the hub, with a timm/resnet18.a1_in1k file built from the golden
 * weight formula; then the same from the cache with no request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, sha256Hex, type TestHub } from '../engine/weights/hubTestServer';
import { serializeSafetensors } from '../engine/weights/safetensors';
import { formulaStateDict } from '../engine/weights/formula';
import { createModel } from '../engine/zoo/builder';
import { decodeNpy } from '../../src-shared/export/npy';

const root = path.resolve(import.meta.dirname, '../..');
let hub: TestHub;
let cache: string;
let weights: Uint8Array;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main/cli/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_TOKEN: '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

beforeAll(async () => {
  const full = createModel('resnet18');
  weights = serializeSafetensors(formulaStateDict(full.model.registry.list().map((p) => p.ref)));
  hub = await startTestHub([{ repoId: 'timm/resnet18.a1_in1k', content: weights, fault: { kind: 'slow', chunk: 4 << 20, delayMs: 150 } }]);
  cache = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-hub-'));
});

afterAll(async () => {
  await hub?.close();
});

describe('run --pretrained', () => {
  it('downloads with progress into the Python cache layout, and the features are the formula weights', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-run-'));
    const r = await cli(['run', 'resnet18', '--pretrained', '--image', 'resources/samples/chelsea.png', '--out', out, '--npy', '--out-indices', '4']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/timm\/resnet18\.a1_in1k \[#+\]\s+100%\s+[\d.]+ MB \/ [\d.]+ MB/);
    expect(r.out).toContain('resnet18.a1_in1k (pretrained)');
    expect(r.out).toMatch(/^\s+\d+\.\d%\s+\S/m); // top-5 predictions from the classifier

    // huggingface_hub's layout: blobs/<sha256>, snapshots/<commit>/model.safetensors → ../../blobs/<sha256>, refs/main.
    const repo = path.join(cache, 'models--timm--resnet18.a1_in1k');
    expect(readdirSync(path.join(repo, 'blobs'))).toEqual([sha256Hex(weights)]);
    const commit = readFileSync(path.join(repo, 'refs', 'main'), 'utf8').trim();
    const snap = path.join(repo, 'snapshots', commit, 'model.safetensors');
    expect(lstatSync(snap).isSymbolicLink()).toBe(true);
    expect(readlinkSync(snap)).toBe(`../../blobs/${sha256Hex(weights)}`);

    // The file was built from formula-v1, so the features equal random init's, bit for bit.
    const random = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-run-'));
    const r2 = await cli(['run', 'resnet18', '--image', 'resources/samples/chelsea.png', '--out', random, '--npy', '--out-indices', '4']);
    expect(r2.code, r2.err).toBe(0);
    const a = decodeNpy(new Uint8Array(readFileSync(path.join(out, 'level4.npy'))));
    const b = decodeNpy(new Uint8Array(readFileSync(path.join(random, 'level4.npy'))));
    expect(a.shape).toEqual([1, 512, 7, 7]);
    expect(a.data).toEqual(b.data);
    const info = JSON.parse(readFileSync(path.join(out, 'feature_info.json'), 'utf8'));
    expect(info.weightsSource).toEqual({ kind: 'pretrained', tag: 'resnet18.a1_in1k', hfHubId: 'timm/resnet18.a1_in1k' });
    expect(info.preprocessing).toMatchObject({ cropPct: 0.95, interpolation: 'bicubic' });

    // Second run: served from the cache, no request at all.
    const before = hub.requests.length;
    const again = await cli(['run', 'resnet18', '--pretrained', '--image', 'resources/samples/chelsea.png', '--out', out, '--out-indices', '4']);
    expect(again.code, again.err).toBe(0);
    expect(hub.requests.length).toBe(before);
    // Offline works from the cache too.
    const offline = await cli(['run', 'resnet18', '--pretrained', '--image', 'resources/samples/chelsea.png', '--out', out, '--out-indices', '4'], { HF_HUB_OFFLINE: '1' });
    expect(offline.code, offline.err).toBe(0);
  });

  it('refuses a weights file for another model, with the load report', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-w-'));
    const other = path.join(dir, 'densenet121.safetensors');
    writeFileSync(other, serializeSafetensors(formulaStateDict(createModel('densenet121').model.registry.list().map((p) => p.ref))));
    const r = await cli(['run', 'resnet18', '--weights', other, '--image', 'resources/samples/chelsea.png', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: weights do not fit resnet18: \d+ of \d+ keys missing in densenet121\.safetensors/);
    expect(r.err).toContain('weights for another architecture');
    expect(existsSync(path.join(dir, 'feature_info.json'))).toBe(false);
  });

  it('refuses a PyTorch pickle checkpoint without unpickling it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-w-'));
    const pth = path.join(dir, 'resnet18.pth');
    writeFileSync(pth, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const r = await cli(['run', 'resnet18', '--weights', pth, '--image', 'resources/samples/chelsea.png', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('never unpickled');
    expect(r.err).toContain('safetensors.torch.save_file');
  });

  it('a cache miss offline is a clear error that makes no request', async () => {
    const before = hub.requests.length;
    const r = await cli(['run', 'resnet34', '--pretrained', '--image', 'resources/samples/chelsea.png', '--out', cache], { HF_HUB_OFFLINE: '1' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: .*timm\/resnet34\.a1_in1k/);
    expect(hub.requests.length).toBe(before);
  });
});
