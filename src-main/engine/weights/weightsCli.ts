/**
 * `weights list | download <repoId|model.tag> [--revision R] | verify [repoId] | remove <repoId>`
 *
 * Exit codes: 0 done; 1 the operation failed (network, corrupt file, not
 * cached); 2 bad arguments (one line `error: …` naming the bad value and
 * what is allowed). The hub cache is huggingface_hub's (HF_HUB_CACHE /
 * HF_HOME); HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE apply.
 */
import { EngineError } from '../errors';
import table from '../zoo/pretrainedCfgs.json';
import { type CachedRepo, listCachedRepos, removeCachedRepo, resolveCacheDir, validateRepoId, validateRevision, verifyCachedRepo, type VerifyEntry } from './hubCache';
import { downloadWeights, type DownloadProgress } from './hubDownload';

export interface WeightsCliContext {
  /** Environment for HF_* variables (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Cancels a download (e.g. on Ctrl-C). */
  signal?: AbortSignal;
  /** Draw the progress bar in place (default: err.isTTY). */
  tty?: boolean;
}

export const WEIGHTS_USAGE = `usage: weights <command>
  list [--all] [--json]                      cached timm weights with their sizes (--all: every hub repo)
  download <repoId|model.tag> [--revision R] fetch model.safetensors into the hub cache (e.g. resnet50.a1_in1k)
  verify [repoId|model.tag]                  check cached files against their sha256
  remove <repoId|model.tag>                  delete a repo from the cache
options: --cache-dir DIR (default HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)`;

class UsageError extends Error {}
class Interrupted extends Error {}

type Rows = Record<string, Array<{ name: string; hfHubId: string | null }>>;
const CFGS = table as unknown as Rows;

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/**
 * 'timm/resnet50.a1_in1k' stays; 'resnet50.a1_in1k' → its pretrained_cfg
 * hf_hub_id; 'resnet50' → the default tag's.
 */
export function resolveWeightsTarget(target: string): string {
  if (target.includes('/') || target.includes('\\')) {
    try {
      return validateRepoId(target);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const dot = target.indexOf('.');
  const arch = dot < 0 ? target : target.slice(0, dot);
  const tag = dot < 0 ? null : target.slice(dot + 1);
  const rows = Object.prototype.hasOwnProperty.call(CFGS, arch) ? CFGS[arch] : undefined;
  if (!rows || rows.length === 0) {
    const near = Object.keys(CFGS)
      .map((n) => [n, editDistance(arch, n)] as const)
      .sort((a, b) => a[1] - b[1])
      .slice(0, 3)
      .map(([n]) => n);
    throw new UsageError(
      `unknown model '${target}'; give a model.tag such as resnet50.a1_in1k or a hub repo id such as timm/resnet50.a1_in1k (closest models: ${near.join(', ')})`,
    );
  }
  const row = tag === null ? rows[0] : rows.find((r) => r.name === `${arch}.${tag}`);
  if (!row) throw new UsageError(`unknown tag '${tag}' for ${arch}; allowed: ${rows.map((r) => r.name.slice(arch.length + 1)).join(', ')}`);
  if (!row.hfHubId) throw new UsageError(`${row.name} has no weights on the hub (timm publishes none for it)`);
  return row.hfHubId;
}

// ---------------------------------------------------------------- formatting

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `[##########----------]  50%  48.9 MB / 97.8 MB  10.2 MB/s  ETA 0:05` */
export function progressLine(p: DownloadProgress, width = 24): string {
  const rate = `${formatBytes(Math.round(p.rate))}/s`;
  if (p.total === null || p.total === 0) return `${formatBytes(p.bytes)}  ${rate}`;
  const frac = Math.min(1, p.bytes / p.total);
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  return `${bar} ${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${rate}  ETA ${formatEta(p.etaSeconds)}`;
}

function describeRefs(r: CachedRepo): string {
  const refs = Object.entries(r.refs).map(([rev, c]) => `${rev}@${c.slice(0, 7)}`);
  const byCommit = Object.keys(r.snapshots).filter((c) => !Object.values(r.refs).includes(c)).map((c) => c.slice(0, 7));
  return [...refs, ...byCommit].join(', ') || '(no snapshot)';
}

// ---------------------------------------------------------------- arguments

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--revision', '--cache-dir']);
const ALLOWED_FLAGS: Record<string, string[]> = {
  list: ['--all', '--json', '--cache-dir'],
  download: ['--revision', '--cache-dir'],
  verify: ['--cache-dir'],
  remove: ['--cache-dir'],
};

function parseArgs(cmd: string, args: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const allowed = ALLOWED_FLAGS[cmd];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!allowed.includes(name)) {
      throw new UsageError(`unknown option '${name}' for 'weights ${cmd}'; allowed: ${allowed.join(', ')}`);
    }
    if (VALUE_FLAGS.has(name)) {
      const v = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) throw new UsageError(`option ${name} needs a value`);
      flags.set(name, v);
    } else {
      if (eq >= 0) throw new UsageError(`option ${name} takes no value (got '${a.slice(eq + 1)}')`);
      flags.set(name, true);
    }
  }
  return { positional, flags };
}

function arity(cmd: string, p: Parsed, min: number, max: number, what: string): void {
  if (p.positional.length < min) throw new UsageError(`'weights ${cmd}' needs ${what}`);
  if (p.positional.length > max) throw new UsageError(`unexpected argument '${p.positional[max]}' for 'weights ${cmd}'; it takes ${max === 0 ? 'no arguments' : what}`);
}

// ---------------------------------------------------------------- command

export async function weightsCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, ctx: WeightsCliContext = {}): Promise<number> {
  const args = argv[0] === 'weights' ? argv.slice(1) : argv;
  const cmd = args[0];
  const say = (s: string): void => void out.write(`${s}\n`);
  try {
    if (cmd === undefined) throw new UsageError(`'weights' needs a command; allowed: list, download, verify, remove`);
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      say(WEIGHTS_USAGE);
      return 0;
    }
    if (!(cmd in ALLOWED_FLAGS)) throw new UsageError(`unknown command '${cmd}'; allowed: list, download, verify, remove`);
    const p = parseArgs(cmd, args.slice(1));
    const cacheDir = p.flags.get('--cache-dir') as string | undefined;
    const copts = { cacheDir, env: ctx.env };
    const dir = resolveCacheDir(copts);

    if (cmd === 'list') {
      arity(cmd, p, 0, 0, 'no arguments');
      const repos = await listCachedRepos({ ...copts, namespace: p.flags.has('--all') ? null : 'timm' });
      if (p.flags.has('--json')) {
        say(JSON.stringify({ cacheDir: dir, repos: repos.map((r) => ({ ...r, lastModified: r.lastModified.toISOString() })) }, null, 2));
        return 0;
      }
      if (repos.length === 0) {
        say(`no ${p.flags.has('--all') ? 'hub' : 'timm'} weights cached in ${dir}`);
        return 0;
      }
      const w = Math.max(...repos.map((r) => r.repoId.length));
      for (const r of repos) {
        const partial = r.incompleteBytes > 0 ? `  (+${formatBytes(r.incompleteBytes)} unfinished)` : '';
        say(`${r.repoId.padEnd(w)}  ${formatBytes(r.sizeBytes).padStart(9)}  ${describeRefs(r)}${partial}`);
      }
      const total = repos.reduce((s, r) => s + r.sizeBytes, 0);
      say(`${repos.length} repo${repos.length === 1 ? '' : 's'}, ${formatBytes(total)} in ${dir}`);
      return 0;
    }

    if (cmd === 'download') {
      arity(cmd, p, 1, 1, 'one repo id or model.tag (e.g. resnet50.a1_in1k)');
      const repoId = resolveWeightsTarget(p.positional[0]);
      const revisionFlag = p.flags.get('--revision') as string | undefined;
      const revision = revisionFlag === undefined ? undefined : validateRevisionArg(revisionFlag);
      const tty = ctx.tty ?? Boolean((err as NodeJS.WriteStream).isTTY);
      let drawn = false;
      // Without a caller's signal, Ctrl-C cancels cleanly (the partial temp file is removed).
      const interrupt = ctx.signal ? null : new AbortController();
      const onSigint = (): void => interrupt?.abort();
      if (interrupt) process.once('SIGINT', onSigint);
      const r = await downloadWeights(repoId, {
        ...copts,
        revision,
        signal: ctx.signal ?? interrupt?.signal,
        progressIntervalMs: tty ? 100 : 2000,
        onProgress: (pr) => {
          drawn = true;
          err.write(tty ? `\r${progressLine(pr)}\x1b[K` : `${progressLine(pr)}\n`);
        },
      })
        .catch((e: unknown) => {
          if (interrupt?.signal.aborted) throw new Interrupted();
          throw e;
        })
        .finally(() => {
          if (interrupt) process.removeListener('SIGINT', onSigint);
          if (drawn && tty) err.write('\n');
        });
      if (r.fromCache) say(`${repoId} already cached: ${r.path}`);
      else say(`${repoId}@${r.commit.slice(0, 7)} downloaded (${formatBytes(r.size)}): ${r.path}`);
      return 0;
    }

    if (cmd === 'verify') {
      arity(cmd, p, 0, 1, 'at most one repo id or model.tag');
      const ids = p.positional.length ? [resolveWeightsTarget(p.positional[0])] : (await listCachedRepos(copts)).map((r) => r.repoId);
      if (ids.length === 0) {
        say(`no timm weights cached in ${dir}; nothing to verify`);
        return 0;
      }
      let bad = 0;
      for (const id of ids) {
        for (const e of await verifyCachedRepo(id, copts)) {
          say(verifyLine(e));
          if (e.status === 'corrupt' || e.status === 'dangling') bad++;
        }
      }
      if (bad > 0) {
        say(`${bad} problem${bad === 1 ? '' : 's'} found: remove the repo ('weights remove <repoId>') and download it again`);
        return 1;
      }
      return 0;
    }

    // remove
    arity(cmd, p, 1, 1, 'one repo id or model.tag');
    const repoId = resolveWeightsTarget(p.positional[0]);
    const r = await removeCachedRepo(repoId, copts);
    if (!r) {
      err.write(`error: ${repoId} is not in the hub cache ${dir}\n`);
      return 1;
    }
    say(`removed ${repoId} (${formatBytes(r.freedBytes)} freed)`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      err.write('error: download interrupted; nothing was cached\n');
      return 130;
    }
    if (e instanceof UsageError) {
      err.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof EngineError) {
      err.write(`error: ${e.message}\n`);
      return e.code.startsWith('BAD_') ? 2 : 1;
    }
    err.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}

function validateRevisionArg(rev: string): string {
  try {
    return validateRevision(rev);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function verifyLine(e: VerifyEntry): string {
  const where = `${e.repoId}  ${e.file.length > 60 ? `${e.file.slice(0, 57)}…` : e.file}`;
  switch (e.status) {
    case 'ok':
      return `ok          ${where}  (${formatBytes(e.size)}, sha256 matches)`;
    case 'corrupt':
      return `CORRUPT     ${where}  sha256 is ${e.actual}, expected ${e.expected}`;
    case 'dangling':
      return `DANGLING    ${where}  points at a missing blob`;
    case 'unverified':
      return `unverified  ${where}  (${formatBytes(e.size)}, etag is not a sha256)`;
    case 'incomplete':
      return `partial     ${where}  (${formatBytes(e.size)}, an unfinished download)`;
  }
}
