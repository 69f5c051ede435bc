#!/usr/bin/env node
// npm run check:support — are the app's Electron and Node.js still supported?
//
// Fails (exit 1, one line per problem) when
//   - the app's Electron is more than two majors behind the registry's latest (Electron supports
//     its latest three majors): the minimum of package.json's devDependencies range, and the
//     installed node_modules/electron when there is one;
//   - the Node.js line package.json's engines allows as its minimum, or the Node.js running this
//     script, is past its end of life (or missing from the table below).
// Exit 2: the check could not be made (npm view failed: offline, registry down; or a bad option),
// and nothing else failed. Exit 0: one summary line.
//
// The latest Electron comes from npm itself (`npm view electron dist-tags.latest`).
//
// Options, for testing and for "what if": --electron <version> (instead of package.json's),
// --installed-electron <version|none>, --node <version> (instead of engines' minimum),
// --running-node <version>, --latest-electron <version> (no npm view), --today <YYYY-MM-DD>.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node.js release lines: first release and end of life, as published by the Node.js Release
 * working group (the schedule.json of the nodejs/Release repository; checked 2026-12-02).
 * UPDATE THIS TABLE when the working group adds a line or moves a date: a line missing here
 * fails the check.
 */
const NODE_RELEASE_LINES = {
  18: { start: '2022-04-19', end: '2025-04-30' },
  19: { start: '2022-10-18', end: '2023-06-01' },
  20: { start: '2023-04-18', end: '2026-04-30' },
  21: { start: '2023-10-17', end: '2024-06-01' },
  22: { start: '2024-04-24', end: '2027-04-30' },
  23: { start: '2024-10-16', end: '2025-06-01' },
  24: { start: '2025-05-06', end: '2028-04-30' },
  25: { start: '2025-10-15', end: '2026-06-01' },
  26: { start: '2026-05-05', end: '2029-04-30' },
  27: { start: '2027-04-22', end: '2030-04-30' },
};

/** Electron supports its latest three stable majors. */
const ELECTRON_SUPPORTED_MAJORS = 3;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE =
  'usage: node scripts/checkSupport.mjs [--electron V] [--installed-electron V|none] [--node V] [--running-node V] [--latest-electron V] [--today YYYY-MM-DD]';

function parseArgs(argv) {
  const names = ['electron', 'installed-electron', 'node', 'running-node', 'latest-electron', 'today'];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const [flag, inline] = arg.split('=', 2);
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !names.includes(name)) throw new Error(`unknown option '${arg}'`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    opts[name] = value;
  }
  return opts;
}

/** [major, minor, patch] of the first version in a string ('^45.5.0' → [45, 5, 0], 'v24' → [24, 0, 0]), or null. */
function versionOf(text) {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(String(text));
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null;
}

/** The lowest version a semver range allows, as far as this check needs it ('^45.5.0', '>=22.12', '22 || 24'). */
function rangeMinimum(range) {
  const mins = String(range)
    .split('||')
    .map(versionOf)
    .filter(Boolean);
  if (mins.length === 0) return null;
  return mins.reduce((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? a : b) : a[1] !== b[1] ? (a[1] < b[1] ? a : b) : a[2] <= b[2] ? a : b));
}

const show = (v) => v.join('.');

function installedElectron() {
  try {
    const require = createRequire(path.join(root, 'package.json'));
    return require('electron/package.json').version;
  } catch {
    return null;
  }
}

function latestElectron() {
  try {
    const out = execFileSync('npm', ['view', 'electron', 'dist-tags.latest'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    }).trim();
    if (!versionOf(out)) return { error: `npm view printed no version ('${out}')` };
    return { version: out };
  } catch (e) {
    const stderr = String(e.stderr ?? '');
    const why = stderr.match(/npm error code (\S+)/)?.[1] ?? stderr.match(/(E[A-Z]{3,}[A-Z_]*)/)?.[1] ?? (e.code === 'ETIMEDOUT' ? 'timed out' : e.message.split('\n')[0]);
    return { error: `npm view electron dist-tags.latest failed (${why})` };
  }
}

/** Why a Node.js line is not supported on `today`, or null when it is. `subject` names what is on that line. */
function nodeProblem(subject, line, today) {
  const dates = NODE_RELEASE_LINES[line];
  if (!dates) return `${subject}: Node.js ${line} is not in the release schedule table of scripts/checkSupport.mjs; add its dates from the Node.js Release working group's schedule`;
  if (today >= dates.end) return `${subject}: Node.js ${line} is past its end of life (${dates.end}); supported lines: ${supportedNodeLines(today)}`;
  return null;
}

function supportedNodeLines(today) {
  const lines = Object.entries(NODE_RELEASE_LINES)
    .filter(([, d]) => d.start <= today && today < d.end)
    .map(([line, d]) => `${line} (until ${d.end})`);
  return lines.length ? lines.join(', ') : 'none in the table — update it';
}

function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error(`check:support: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    console.error(`check:support: --today must be YYYY-MM-DD, not '${today}'`);
    return 2;
  }

  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const problems = [];
  const unknown = [];

  // Electron: the range package.json asks for, and what is installed.
  const declaredRange = opts.electron ?? pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
  const declared = declaredRange ? rangeMinimum(declaredRange) : null;
  if (!declared) problems.push(`package.json names no Electron version (devDependencies.electron: '${declaredRange ?? ''}')`);
  const installedText = opts['installed-electron'] ?? installedElectron();
  const installed = installedText && installedText !== 'none' ? versionOf(installedText) : null;

  const latest = opts['latest-electron'] ? { version: opts['latest-electron'] } : latestElectron();
  const latestVersion = latest.version ? versionOf(latest.version) : null;
  if (latest.version && !latestVersion) {
    console.error(`check:support: --latest-electron must be a version, not '${latest.version}'`);
    return 2;
  }
  let electronSummary = '';
  if (!latestVersion) {
    unknown.push(`cannot tell whether Electron is supported: ${latest.error}; offline? Run it where the registry is reachable`);
  } else {
    const oldest = latestVersion[0] - (ELECTRON_SUPPORTED_MAJORS - 1);
    const supported = `${oldest}–${latestVersion[0]}`;
    const behind = (what, v) =>
      `${what} is Electron ${show(v)}, ${latestVersion[0] - v[0]} majors behind the latest (${show(latestVersion)}); Electron supports its latest ${ELECTRON_SUPPORTED_MAJORS} majors (${supported}): ask for ^${show(latestVersion)}`;
    const declaredName = opts.electron ? `--electron '${declaredRange}'` : `package.json's devDependencies.electron ('${declaredRange}')`;
    if (declared && declared[0] < oldest) problems.push(behind(declaredName, declared));
    if (installed && installed[0] < oldest) problems.push(behind('the installed node_modules/electron', installed));
    electronSummary = `Electron ${declared ? `'${declaredRange}'` : '?'}${installed ? ` (installed ${show(installed)})` : ' (not installed)'} is within the supported majors ${supported} (latest ${show(latestVersion)})`;
  }

  // Node.js: the minimum engines allows, and the one running this.
  const enginesRange = opts.node ?? pkg.engines?.node;
  const engines = enginesRange ? rangeMinimum(enginesRange) : null;
  if (!engines) problems.push(`package.json's engines names no Node.js version (engines.node: '${enginesRange ?? ''}')`);
  else {
    const enginesName = opts.node ? `--node '${enginesRange}'` : `package.json's engines.node ('${enginesRange}')`;
    const p = nodeProblem(`${enginesName} allows Node.js ${show(engines)}`, engines[0], today);
    if (p) problems.push(p);
  }
  const runningText = opts['running-node'] ?? process.versions.node;
  const running = versionOf(runningText);
  if (!running) {
    console.error(`check:support: --running-node must be a version, not '${runningText}'`);
    return 2;
  }
  const runningProblem = nodeProblem(`this runs on Node.js ${show(running)}`, running[0], today);
  if (runningProblem) problems.push(runningProblem);

  for (const p of problems) console.error(`check:support: FAIL: ${p}.`);
  for (const u of unknown) console.error(`check:support: NOT CHECKED: ${u}.`);
  if (problems.length) return 1;
  if (unknown.length) return 2;
  console.log(
    `check:support: OK: ${electronSummary}; Node.js engines '${enginesRange}' (${engines[0]} until ${NODE_RELEASE_LINES[engines[0]].end}), running ${show(running)} (${running[0]} until ${NODE_RELEASE_LINES[running[0]].end}); as of ${today}.`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
