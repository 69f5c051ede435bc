/**
 * Packaging for the desktop app (`npm run dist`). The fuses are flipped in the
 * Electron binary by electron-builder itself, with @electron/fuses, after
 * packing and before signing (its `electronFuses` option does what an
 * afterPack hook would do by hand). src-main/electron/packaging.test.ts holds
 * these values.
 */
import type { Configuration } from 'electron-builder';

/** Electron's security checklist, item 19: features the app never uses are switched off in the binary. */
export const RELEASE_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node.js. The engine
  // runs in a utilityProcess, which does not need it.
  runAsNode: false,
  // NODE_OPTIONS and --inspect would let anyone who can start the app inject code.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // Only app.asar is loaded (not a loose app/ folder beside it), and on macOS and
  // Windows its hash is checked against the one signed into the binary.
  onlyLoadAppFromAsar: true,
  enableEmbeddedAsarIntegrityValidation: true,
  // Cookies on disk are encrypted with the OS keychain (the app sets none; hub downloads might).
  enableCookieEncryption: true,
  // The UI is served over app://, never file://, and no custom V8 snapshot is shipped.
  grantFileProtocolExtraPrivileges: false,
  loadBrowserProcessSpecificV8Snapshot: false,
} as const;

const config: Configuration = {
  appId: 'io.github.pyramidscope',
  productName: 'Pyramidscope',
  directories: { output: 'dist', buildResources: 'resources' },
  files: ['out/**/*', 'resources/**/*', 'package.json'],
  asar: true,
  electronFuses: RELEASE_FUSES,
  linux: { target: ['AppImage'], category: 'Science' },
  mac: { target: ['dmg'], category: 'public.app-category.education' },
  win: { target: ['nsis'] },
};

export default config;
