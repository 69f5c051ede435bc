// Runs after `npm install`. The electron package has no install script since
// Electron 42 (it fetches its binary on first use, with no time limit), and
// package.json's allowScripts would keep one off; so an offline install never
// fails or hangs. Here we try the binary download ourselves (the package's
// install.js), with a time limit, and say in one line what happened.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findElectronBinary } from './electronBinary.mjs';

function electron() {
  const found = findElectronBinary();
  if (found.ok) return 'Electron: installed.';
  if (!found.pkgDir) return `Electron: ${found.reason}.`;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'Electron: binary download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD); web mode works: npm run serve.';
  const r = spawnSync(process.execPath, [path.join(found.pkgDir, 'install.js')], { encoding: 'utf8', timeout: 180_000 });
  if (r.status === 0 && findElectronBinary().ok) return 'Electron: binary downloaded.';
  const why = `${r.stderr ?? ''}${r.error?.message ?? ''}`.match(/(ENOTFOUND [^\s]+|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|HTTPError[^\n]*|fetch failed|timed out)/)?.[0] ?? 'download failed';
  return `Electron: binary not installed (${why}); desktop mode unavailable, web mode works (npm run serve). Retry later with: npm run install-electron`;
}

function optional(name) {
  try {
    import.meta.resolve(name);
    return `${name}: installed`;
  } catch {
    return `${name}: not installed`;
  }
}

console.log(`[pyramidscope] ${electron()}`);
console.log(`[pyramidscope] ${optional('@tensorflow/tfjs-node-gpu')}; ${optional('@tensorflow/tfjs-node')} (the engine falls back to wasm, then cpu).`);
