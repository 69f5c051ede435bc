// Builds the app once if out/ is missing, so `serve` works on a fresh clone.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function ensureBuilt() {
  if (existsSync('out/main/server.js') && existsSync('out/renderer/index.html') && existsSync('out/main/engineWorker.js')) return;
  console.log('[pyramidscope] building (first run)…');
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
