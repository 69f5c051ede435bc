import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formulaStateDict } from './formula';
import { startTestHub, sha256Hex, type TestHub } from './hubTestServer';
import { serializeSafetensors } from './safetensors';
import { progressLine, resolveWeightsTarget, weightsCommand } from './weightsCli';

const CONTENT = serializeSafetensors(
  formulaStateDict([
    { key: 'conv1.weight', shape: [64, 3, 7, 7] },
    { key: 'fc.weight', shape: [1000, 64] },
    { key: 'fc.bias', shape: [1000] },
  ]),
);

let cacheDir: string;
let hub: TestHub;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'ps-cli-'));
  hub = await startTestHub([
    { repoId: 'timm/resnet50.a1_in1k', content: CONTENT, fault: { kind: 'slow', chunk: 65536, delayMs: 30 } },
    { repoId: 'timm/resnet18.a1_in1k', content: CONTENT.subarray(0, 1000) },
  ]);
});
afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = await weightsCommand(argv, out, err, { env: { HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.endpoint }, tty: true });
  return { code, out: o, err: e };
}

describe('weights CLI', () => {
  it('maps model.tag to the hub repo id', () => {
    expect(resolveWeightsTarget('resnet50.a1_in1k')).toBe('timm/resnet50.a1_in1k');
    expect(resolveWeightsTarget('timm/anything.x')).toBe('timm/anything.x');
    expect(resolveWeightsTarget('resnet50')).toMatch(/^timm\/resnet50\./);
  });

  it('download → list → verify → remove', async () => {
    const d = await run('download', 'resnet50.a1_in1k');
    expect(d.err).not.toMatch(/error/);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/timm\/resnet50\.a1_in1k@[0-9a-f]{7} downloaded \(.*\): .*model\.safetensors/);
    expect(d.err).toMatch(/\r\[#+-*\] +\d+%/);
    expect(d.err).toMatch(/100%.*ETA 0:00/);
    expect(d.err).toMatch(/MB\/s|kB\/s/);

    expect((await run('download', 'timm/resnet50.a1_in1k')).out).toMatch(/already cached/);

    const l = await run('list');
    expect(l.code).toBe(0);
    expect(l.out).toMatch(/^timm\/resnet50\.a1_in1k +\d+\.\d kB +main@[0-9a-f]{7}$/m);
    expect(l.out).toMatch(/1 repo, .* in /);
    const j = JSON.parse((await run('list', '--json')).out) as { repos: Array<{ repoId: string; sizeBytes: number }> };
    expect(j.repos).toMatchObject([{ repoId: 'timm/resnet50.a1_in1k', sizeBytes: CONTENT.length }]);

    const v = await run('verify');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^ok +timm\/resnet50\.a1_in1k +blobs\//m);

    // Corrupt it: verify reports and fails.
    await writeFile(join(cacheDir, 'models--timm--resnet50.a1_in1k', 'blobs', sha256Hex(CONTENT)), 'garbage');
    const bad = await run('verify', 'resnet50.a1_in1k');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/CORRUPT/);

    const r = await run('remove', 'timm/resnet50.a1_in1k');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/removed timm\/resnet50\.a1_in1k/);
    expect((await run('list')).out).toMatch(/no timm weights cached/);
    const again = await run('remove', 'timm/resnet50.a1_in1k');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: timm\/resnet50\.a1_in1k is not in the hub cache/);
  });

  it('Ctrl-C during a download: exit 130, nothing cached, handler removed', async () => {
    const others = process.listeners('SIGINT');
    for (const l of others) process.removeListener('SIGINT', l);
    try {
      const out = new PassThrough();
      const err = new PassThrough();
      let e = '';
      err.on('data', (d: Buffer) => {
        e += d.toString();
        if (/\d+%/.test(e) && !/ 0%/.test(d.toString())) process.emit('SIGINT');
      });
      const code = await weightsCommand(['download', 'resnet50.a1_in1k'], out, err, { env: { HF_HUB_CACHE: cacheDir, HF_ENDPOINT: hub.endpoint }, tty: true });
      expect(code).toBe(130);
      expect(e).toMatch(/error: download interrupted; nothing was cached/);
      expect(process.listenerCount('SIGINT')).toBe(0);
      expect((await run('list')).out).toMatch(/no timm weights cached/);
    } finally {
      for (const l of others) process.on('SIGINT', l);
    }
  });

  it('download failures are one error line and exit 1', async () => {
    const r = await run('download', 'timm/missing.x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: repository timm\/missing\.x not found/m);
  });

  it.each([
    [[], /needs a command; allowed: list, download, verify, remove/],
    [['fetch'], /unknown command 'fetch'; allowed: list, download, verify, remove/],
    [['download'], /'weights download' needs one repo id or model\.tag/],
    [['download', 'nosuchmodel.x'], /unknown model 'nosuchmodel\.x'; give a model\.tag/],
    [['download', 'resnet50.zz_in1k'], /unknown tag 'zz_in1k' for resnet50; allowed: a1_in1k/],
    [['download', 'vovnet39a.untrained'], /has no weights on the hub/],
    [['download', '../../etc/x'], /repo id "..\/..\/etc\/x" is not allowed/],
    [['download', 'resnet50.a1_in1k', '--revision', '../x'], /revision "..\/x" is not allowed/],
    [['download', 'resnet50.a1_in1k', '--revision'], /option --revision needs a value/],
    [['download', 'a', 'b'], /unexpected argument 'b'/],
    [['list', '--revision=x'], /unknown option '--revision' for 'weights list'; allowed: --all, --json, --cache-dir/],
    [['list', 'extra'], /unexpected argument 'extra'/],
    [['remove'], /'weights remove' needs one repo id/],
  ])('bad arguments %j: one error line, exit 2', async (argv, msg) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(/^error: /);
    expect(r.err).toMatch(msg);
  });

  it('help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/usage: weights/);
  });

  it('progress line', () => {
    expect(progressLine({ bytes: 48_900_000, total: 97_800_000, rate: 10_200_000, etaSeconds: 4.8 }, 10)).toBe(
      '[#####-----]  50%  48.9 MB / 97.8 MB  10.2 MB/s  ETA 0:05',
    );
    expect(progressLine({ bytes: 0, total: 100, rate: 0, etaSeconds: null }, 4)).toBe('[----]   0%  0 B / 100 B  0 B/s  ETA --:--');
  });
});
