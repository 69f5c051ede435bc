// Where the Electron binary is, or why it is not there. Shared by postinstall and start.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** { ok: true, binary } or { ok: false, reason } */
export function findElectronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const pathTxt = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathTxt)) return { ok: false, reason: 'the Electron binary was not downloaded', pkgDir };
  const binary = path.join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing (${binary})`, pkgDir };
  return { ok: true, binary, pkgDir };
}
