/**
 * The CLI's output through a pipe: complete however slowly the reader drains
 * it, and quiet when the reader closes early — as `| jq`, `| head` and
 * `| wc -c` need.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'src-main/cli/main.ts');
const args = (...a: string[]) => ['--import', 'tsx', main, ...a];

const tsx = path.join(root, 'node_modules/.bin/tsx');

/** The command line as `npm run cli` runs it (tsx's CLI), its stdout on a pipe whose reader waits 2 s before reading. */
function throughSlowPipe(...a: string[]) {
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${tsx}" "${main}" ${a.join(' ')} | (sleep 2; cat)`], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

describe('cli output through a pipe', () => {
  it('models --json through a slow pipe is byte-identical to what it writes to a file', () => {
    const toFile = spawnSync(process.execPath, args('models', '--json'), { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    expect(toFile.status).toBe(0);
    // Larger than a pipe buffer (64 KiB): an exit before draining cuts it there.
    expect(toFile.stdout.length).toBeGreaterThan(64 * 1024);
    const piped = throughSlowPipe('models', '--json');
    expect(piped.code).toBe(0);
    expect(piped.out.length).toBe(toFile.stdout.length);
    expect(piped.out.equals(toFile.stdout)).toBe(true);
    expect(() => JSON.parse(piped.out.toString('utf8'))).not.toThrow();
  }, 120_000);

  it('a reader that closes early (| head -c 10) ends the command quietly', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${tsx}" "${main}" models --json | head -c 10 >/dev/null; echo "status $?"`], { cwd: root, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('status 0');
    expect(r.stderr).toBe('');
  }, 120_000);

  it.each(['models', 'info', 'run', 'conformance'])('%s --help prints its usage and exits 0', (command) => {
    const r = spawnSync(process.execPath, args(command, '--help'), { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: npm run cli -- ${command}\\b`));
  }, 120_000);

  it.each(['list', 'download', 'verify', 'remove'])('weights %s --help prints the weights usage', (sub) => {
    const r = spawnSync(process.execPath, args('weights', sub, '--help'), { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('usage: weights <command>');
  }, 120_000);
});

describe('the package bin', () => {
  it('bin/pyramidscope.mjs (npx pyramidscope) runs the same CLI', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/pyramidscope.mjs'), 'info', 'resnet50', '--out-indices', '-1'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layer4\s+2048\s+32\s+2048×7×7/);
  }, 120_000);
});
