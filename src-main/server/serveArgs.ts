import { LOOPBACK_HOSTS } from './webServer';

export interface ServeArgs {
  port: number;
  host: string;
  rendererDir?: string;
}

/** Parses the web-mode flags; throws with a message naming the bad value and what is allowed. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = { port: 5199, host: '127.0.0.1' };
  let allowRemote = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port '${v}' is not a port; allowed: 0..65535 (0 picks a free one)`);
      out.port = n;
    } else if (a === '--host') out.host = value();
    else if (a === '--allow-remote') allowRemote = true;
    else if (a === '--renderer-dir') out.rendererDir = value();
    else throw new Error(`unknown option '${a}'; allowed: --port N, --host ADDRESS, --allow-remote, --renderer-dir DIR`);
  }
  if (!LOOPBACK_HOSTS.includes(out.host) && !allowRemote) {
    throw new Error(`--host ${out.host} is not loopback; add --allow-remote to serve other machines (allowed without it: ${LOOPBACK_HOSTS.join(', ')})`);
  }
  return out;
}

/** The warning printed when serving beyond this machine, or null for a loopback address. */
export function remoteBindWarning(host: string): string | null {
  if (LOOPBACK_HOSTS.includes(host)) return null;
  return `warning: serving on ${host}, reachable from other machines. Anyone who can reach this port can run models and read the engine's answers.`;
}
