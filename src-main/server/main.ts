/**
 * `npm run serve -- [--port 5199] [--host 127.0.0.1] [--allow-remote]`:
 * web mode, the real renderer and the real engine over the same contract.
 */
import { fileURLToPath } from 'node:url';
import { EngineHost, workerSpawner } from '../engine/host/engineHost';
import { startWebServer, LOOPBACK_HOSTS } from './webServer';
import { parseServeArgs } from './serveArgs';

/** Where the engine worker is: beside this file when built, in the source tree under tsx. */
function engineWorker(): { workerUrl: URL; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource
    ? { workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url) }
    : { workerUrl: new URL('./engineWorker.js', import.meta.url) };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseServeArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (!LOOPBACK_HOSTS.includes(args.host)) {
    process.stderr.write(
      `warning: serving on ${args.host}, reachable from other machines. Anyone who can reach this port can run models and read the engine's answers.\n`,
    );
  }
  const host = new EngineHost({ spawn: workerSpawner(engineWorker()) });
  const rendererDir = args.rendererDir ?? fileURLToPath(new URL('../renderer', import.meta.url));
  const server = await startWebServer({ engine: host, rendererDir, host: args.host, port: args.port });
  process.stdout.write(`Pyramidscope web mode: ${server.url}\n`);
  const stop = async () => {
    await server.close();
    await host.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
