/**
 * npm run check:support, run as a process: it passes for today's settings
 * (this package.json, the installed Electron, a supported Node), fails for
 * Electron 38 and for Node 20, and says "not checked" (exit 2) when npm view
 * cannot reach a registry. No test here needs the network.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./checkSupport.mjs', import.meta.url));
/** The settings of 2026-12-02: Electron 45.5.0 is the latest, Node.js 24 an LTS line. */
const TODAY = ['--today', '2026-12-02', '--latest-electron', '45.5.0', '--running-node', '24.22.3'];

function check(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: `${r.stdout}${r.stderr}`.trim().split('\n') };
}

describe('check:support', () => {
  it('passes for today’s settings, with a one-line summary', () => {
    const r = check(TODAY);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.stdout).toMatch(/^check:support: OK: Electron '\^45\.\d+\.\d+'.* within the supported majors 43–45 \(latest 45\.5\.0\); Node\.js engines '>=22\.12' \(22 until 2027-04-30\), running 24\.22\.3/);
  });

  it('fails for Electron 38 (seven majors behind 45), one line naming it', () => {
    const r = check([...TODAY, '--electron', '^38.8.6', '--installed-electron', 'none']);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([expect.stringMatching(/^check:support: FAIL: --electron '\^38\.8\.6' is Electron 38\.8\.6, 7 majors behind the latest \(45\.5\.0\).*\(43–45\)/)]);
  });

  it('fails for an installed Electron 38 even when package.json asks for 45', () => {
    const r = check([...TODAY, '--installed-electron', '38.8.6']);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([expect.stringMatching(/installed node_modules\/electron is Electron 38\.8\.6/)]);
  });

  it('passes Electron 43, the oldest supported major, and fails 42', () => {
    expect(check([...TODAY, '--electron', '^43.0.0', '--installed-electron', 'none']).status).toBe(0);
    expect(check([...TODAY, '--electron', '^42.3.0', '--installed-electron', 'none']).status).toBe(1);
  });

  it('fails for Node 20 in engines (end of life 2026-04-30)', () => {
    const r = check([...TODAY, '--node', '>=20.19']);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([expect.stringMatching(/^check:support: FAIL: --node '>=20\.19' allows Node\.js 20\.19\.0: Node\.js 20 is past its end of life \(2026-04-30\); supported lines: 22 .*24 .*26 /)]);
  });

  it('fails when it runs on Node 20, and for a Node line missing from its table', () => {
    const old = check([...TODAY, '--running-node', '20.20.2']);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/runs on Node\.js 20\.20\.2: Node\.js 20 is past its end of life/);
    const unknown = check([...TODAY, '--running-node', '28.1.0']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Node\.js 28 is not in the release schedule table/);
  });

  it('fails for Node 22 once its end of life has come', () => {
    expect(check([...TODAY, '--today', '2027-04-30']).stderr).toMatch(/engines\.node \('>=22\.12'\) allows Node\.js 22\.12\.0: Node\.js 22 is past its end of life \(2027-04-30\)/);
  });

  it('says it could not check, exit 2, when npm view cannot reach the registry', () => {
    const offline = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0', npm_config_fetch_timeout: '5000' };
    const r = check(['--today', '2026-12-02', '--running-node', '24.22.3'], offline);
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([expect.stringMatching(/^check:support: NOT CHECKED: .*npm view electron dist-tags\.latest failed.*offline\?/)]);
  });

  it('refuses an unknown option with exit 2', () => {
    const r = check(['--electron-version', '45']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });
});
