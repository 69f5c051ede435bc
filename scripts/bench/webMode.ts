/** Starts the built web mode on a free port for a script, and tells its URL. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export async function startWebMode(): Promise<{ url: string; stop(): void }> {
  if (!existsSync('out/main/server.js')) throw new Error('out/main/server.js is missing: run `npm run build` first');
  const child = spawn(process.execPath, ['out/main/server.js', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /web mode: (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}
