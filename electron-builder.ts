/**
 * Packaging for the desktop app (`npm run dist`). The fuses are flipped in the
 * packed Electron binary by the afterPack hook below, with our own
 * @electron/fuses (2.x, which knows every fuse of Electron 45), in strict mode,
 * before electron-builder signs the app. electron-builder's own `electronFuses`
 * option is not used: it goes through its bundled @electron/fuses 1.x, which
 * cannot set `wasmTrapHandlers` (a fuse since Electron 41) and would leave any
 * fuse it does not know at Electron's default without a word.
 * src-main/electron/packaging.test.ts holds these values.
 */
import path from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, type FuseV1Config } from '@electron/fuses';
import type { AfterPackContext, Configuration } from 'electron-builder';

/** Electron's security checklist, item 19: features the app never uses are switched off in the binary. */
export const RELEASE_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node.js. The engine
  // runs in a utilityProcess, which does not need it.
  runAsNode: false,
  // NODE_OPTIONS (and NODE_EXTRA_CA_CERTS) and --inspect would let anyone who can start
  // the app inject code.
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
  // Kept on (Electron's default): out-of-bounds WebAssembly memory accesses are caught by
  // guard pages instead of bounds checks compiled into every access. Memory safety is the
  // same either way; off would only slow down the engine's tfjs wasm backend.
  wasmTrapHandlers: true,
} as const;

export type ReleaseFuse = keyof typeof RELEASE_FUSES;

/** The wire index @electron/fuses gives a fuse: `runAsNode` → FuseV1Options.RunAsNode. */
export function fuseIndex(fuse: string): FuseV1Options {
  const index = (FuseV1Options as unknown as Record<string, number | undefined>)[fuse[0].toUpperCase() + fuse.slice(1)];
  if (index === undefined) throw new Error(`'${fuse}' is not a fuse @electron/fuses knows`);
  return index;
}

/**
 * The @electron/fuses config for a release: every fuse set, and strict, so that an
 * Electron whose wire has a fuse we have not decided fails the build instead of
 * shipping that fuse at its default.
 */
export function releaseFuseConfig(): FuseV1Config {
  const wire: Partial<Record<FuseV1Options, boolean>> = {};
  for (const [fuse, value] of Object.entries(RELEASE_FUSES)) wire[fuseIndex(fuse)] = value;
  return { version: FuseVersion.V1, strictlyRequireAllFuses: true, ...(wire as Record<FuseV1Options, boolean>) };
}

/**
 * The Electron executable electron-builder packed: the same path its own fuse step
 * uses (Linux: the lower-case executable name; Windows: the product name + .exe;
 * macOS: the .app bundle, whose framework holds the fuse wire).
 */
export function packedElectronBinary(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName' | 'packager'>): string {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux': {
      const executableName = (packager as unknown as { executableName?: string }).executableName;
      if (!executableName) throw new Error('electron-builder did not say the Linux executable name');
      return path.join(appOutDir, executableName);
    }
    default:
      throw new Error(`no Electron binary known for platform '${electronPlatformName}'`);
  }
}

/** afterPack: flips the release fuses in the packed binary (electron-builder signs after this). */
export async function flipReleaseFuses(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName' | 'packager'>): Promise<void> {
  const binary = packedElectronBinary(context);
  await flipFuses(binary, releaseFuseConfig());
  console.log(`  • release fuses flipped  file=${binary}`);
}

const config: Configuration = {
  appId: 'io.github.pyramidscope',
  productName: 'Pyramidscope',
  directories: { output: 'dist', buildResources: 'resources' },
  files: ['out/**/*', 'resources/**/*', 'package.json'],
  asar: true,
  afterPack: flipReleaseFuses,
  linux: { target: ['AppImage'], category: 'Science' },
  mac: { target: ['dmg'], category: 'public.app-category.education' },
  win: { target: ['nsis'] },
};

export default config;
