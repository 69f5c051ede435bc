/**
 * The release fuses in the packaging config (electron-builder.ts): every fuse
 * @electron/fuses knows (all of Electron 45's) is decided, each the safe way,
 * and the afterPack hook flips a packed binary's fuse wire as intended — and
 * refuses a binary whose wire has a fuse nobody decided.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import config, { RELEASE_FUSES, flipReleaseFuses, fuseIndex, packedElectronBinary } from '../../electron-builder';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
/** Electron 45's fuse wire as it ships (its build/fuses/fuses.json5), in wire order. */
const ELECTRON_45_DEFAULTS = [ON, OFF, ON, ON, OFF, OFF, OFF, ON, ON];

const fuseNames = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));

/** A stand-in for a packed Electron binary: some bytes, the sentinel, wire version 1, the wire length, the wire. */
function fakeBinary(file: string, wire: number[]): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([Buffer.from('\x7fELF....'), Buffer.from(SENTINEL), Buffer.from([1, wire.length, ...wire]), Buffer.alloc(64)]));
  return file;
}

/** What electron-builder hands afterPack for a Linux build, as far as the hook reads it. */
function linuxContext(appOutDir: string) {
  return { appOutDir, electronPlatformName: 'linux', packager: { executableName: 'pyramidscope', appInfo: { productFilename: 'Pyramidscope' } } } as unknown as Parameters<typeof flipReleaseFuses>[0];
}

describe('release fuses', () => {
  it('are flipped by our afterPack hook, not by electron-builder’s electronFuses, with the app in an asar', () => {
    expect(config.afterPack).toBe(flipReleaseFuses);
    expect(config.electronFuses ?? null).toBeNull();
    expect(config.asar).toBe(true);
  });

  it.each([
    ['runAsNode', false],
    ['enableNodeOptionsEnvironmentVariable', false],
    ['enableNodeCliInspectArguments', false],
    ['onlyLoadAppFromAsar', true],
    ['enableEmbeddedAsarIntegrityValidation', true],
    ['enableCookieEncryption', true],
    ['grantFileProtocolExtraPrivileges', false],
    ['loadBrowserProcessSpecificV8Snapshot', false],
    ['wasmTrapHandlers', true],
  ])('%s is %s', (option, value) => {
    expect((RELEASE_FUSES as Record<string, boolean>)[option]).toBe(value);
  });

  it('decide every fuse this @electron/fuses knows (none left at Electron’s default), Electron 45’s nine included', () => {
    const decided = Object.keys(RELEASE_FUSES).map(fuseIndex).sort((a, b) => a - b);
    expect(decided).toEqual(fuseNames.map((_, i) => i));
    expect(fuseNames).toHaveLength(ELECTRON_45_DEFAULTS.length);
    expect(() => fuseIndex('noSuchFuse')).toThrow(/not a fuse/);
  });

  it('afterPack flips a packed binary’s fuse wire from Electron 45’s defaults to the release values', async () => {
    const appOutDir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-fuses-'));
    const binary = fakeBinary(path.join(appOutDir, 'pyramidscope'), ELECTRON_45_DEFAULTS);
    await flipReleaseFuses(linuxContext(appOutDir));

    const after = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    for (const [option, value] of Object.entries(RELEASE_FUSES)) {
      expect(after[fuseIndex(option)], option).toBe(value ? ON : OFF);
    }
  });

  it('afterPack fails on a binary with a fuse nobody decided (a later Electron), leaving it untouched', async () => {
    const appOutDir = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-fuses-'));
    const binary = fakeBinary(path.join(appOutDir, 'pyramidscope'), [...ELECTRON_45_DEFAULTS, ON]);
    const before = readFileSync(binary);
    await expect(flipReleaseFuses(linuxContext(appOutDir))).rejects.toThrow(/strictlyRequireAllFuses/);
    expect(readFileSync(binary).equals(before)).toBe(true);
  });

  it.each([
    ['linux', 'pyramidscope'],
    ['win32', 'Pyramidscope.exe'],
    ['darwin', 'Pyramidscope.app'],
    ['mas', 'Pyramidscope.app'],
  ])('finds the packed binary on %s: %s', (electronPlatformName, file) => {
    const context = { ...linuxContext('/out/app'), electronPlatformName };
    expect(packedElectronBinary(context)).toBe(path.join('/out/app', file));
  });
});
