/** Spawns the engine in an Electron utility process (off the main thread, restartable). */
import { utilityProcess } from 'electron';
import type { EngineProcess } from '../engine/host/engineHost';
import type { EngineToHost } from '../engine/host/protocol';

export function utilitySpawner(modulePath: string): () => EngineProcess {
  return () => {
    const child = utilityProcess.fork(modulePath, [], { serviceName: 'Pyramidscope engine', stdio: 'inherit' });
    return {
      postMessage: (m) => child.postMessage(m),
      onMessage: (l) => child.on('message', (m: EngineToHost) => l(m)),
      onExit: (l) => child.once('exit', (code) => l(`engine exited with code ${code}`)),
      terminate: async () => {
        child.kill();
      },
    };
  };
}
