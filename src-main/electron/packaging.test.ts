/**
 * The release fuses in the packaging config (electron-builder.ts): every fuse
 * @electron/fuses knows is decided, each the safe way, and the values flip a
 * binary's fuse wire as intended.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';
import config, { RELEASE_FUSES } from '../../electron-builder';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

/** electron-builder's camelCase option → @electron/fuses' wire index. */
function wireIndex(option: string): number {
  const index = (FuseV1Options as unknown as Record<string, number | undefined>)[option[0].toUpperCase() + option.slice(1)];
  if (index === undefined) throw new Error(`'${option}' is not a fuse @electron/fuses knows`);
  return index;
}

const fuseNames = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));

describe('release fuses', () => {
  it('are what the packaging config hands electron-builder, with the app in an asar', () => {
    expect(config.electronFuses).toEqual(RELEASE_FUSES);
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
  ])('%s is %s', (option, value) => {
    expect((RELEASE_FUSES as Record<string, boolean>)[option]).toBe(value);
  });

  it('decide every fuse this @electron/fuses knows (none left at Electron’s default)', () => {
    const decided = Object.keys(RELEASE_FUSES).map(wireIndex).sort((a, b) => a - b);
    expect(decided).toEqual(fuseNames.map((_, i) => i));
  });

  it('flip a binary’s fuse wire from Electron’s defaults to the release values', async () => {
    // A stand-in for the Electron binary: the sentinel, wire version 1, the wire
    // length, then one byte per fuse holding Electron's default.
    const defaults = [ON, OFF, ON, ON, OFF, OFF, OFF, ON];
    expect(defaults).toHaveLength(fuseNames.length);
    const binary = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-fuses-')), 'pyramidscope');
    writeFileSync(binary, Buffer.concat([Buffer.from('\x7fELF....'), Buffer.from(SENTINEL), Buffer.from([1, defaults.length, ...defaults]), Buffer.alloc(64)]));

    const wire = {} as Record<FuseV1Options, boolean>;
    for (const [option, value] of Object.entries(RELEASE_FUSES)) wire[wireIndex(option) as FuseV1Options] = value;
    await flipFuses(binary, { version: FuseVersion.V1, strictlyRequireAllFuses: true, ...wire });

    const after = await getCurrentFuseWire(binary);
    for (const [option, value] of Object.entries(RELEASE_FUSES)) {
      expect((after as unknown as Record<number, number>)[wireIndex(option)], option).toBe(value ? ON : OFF);
    }
  });
});
