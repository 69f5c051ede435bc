// npm start: the desktop app; where the Electron binary is missing, say so in
// one line and serve the same UI in web mode instead.
import { spawn } from 'node:child_process';
import { findElectronBinary } from './electronBinary.mjs';

const found = findElectronBinary();
if (found.ok) {
  const child = spawn(found.binary, ['.'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron is not available (${found.reason}; install it with: npm run install-electron) — starting web mode instead.`);
  if (!process.argv.includes('--port')) process.argv.push('--port', '5199');
  await import('../out/main/server.js');
}
