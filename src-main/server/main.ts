/**
 * `npm run serve -- [--port 5199] [--host 127.0.0.1] [--allow-remote]`:
 * web mode, the real renderer and the real engine over the same contract.
 */
import { fileURLToPath } from 'node:url';
import { EngineHost, callTimeoutFromEnv, workerSpawner } from '../engine/host/engineHost';
import { startWebServer } from './webServer';
import { parseServeArgs, remoteBindWarning } from './serveArgs';

/** Where the engine worker is: beside this file when built, in the source tree under tsx. */
function engineWorker(): { workerUrl: URL; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource
    ? { workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url) }
    : { workerUrl: new URL('./engineWorker.js', import.meta.url) };
}

async function main(): Promise<void> {
  let args;
  let callTimeoutMs;
  try {
    args = parseServeArgs(process.argv.slice(2));
    callTimeoutMs = callTimeoutFromEnv(process.env);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const warning = remoteBindWarning(args.host);
  if (warning) process.stderr.write(`${warning}\n`);
  // Test hooks (a channel that crashes the engine) exist only when asked for.
  const testHooks = process.env.PYRAMIDSCOPE_TEST_HOOKS === '1';
  if (testHooks) process.stderr.write('warning: PYRAMIDSCOPE_TEST_HOOKS=1: test hooks are on; never use this outside tests.\n');
  const testMode = process.env.PYRAMIDSCOPE_TEST_MODE === '1';
  const host = new EngineHost({ spawn: workerSpawner(engineWorker()), callTimeoutMs });
  const rendererDir = args.rendererDir ?? fileURLToPath(new URL('../renderer', import.meta.url));
  const server = await startWebServer({ engine: host, rendererDir, host: args.host, port: args.port, testHooks, testMode });
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
