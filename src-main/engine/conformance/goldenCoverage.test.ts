/**
 * Every registered model must be proven against timm: a golden file for it in
 * test-data/golden (the shared references) or test-data/golden-extra (the ones
 * generated for every entrypoint), with cases that run it (not only refusals).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listEntries } from '../zoo/registry';
import { parseGolden } from './golden';

const DIRS = ['test-data/golden', 'test-data/golden-extra'];

function goldenFor(name: string) {
  return DIRS.map((d) => join(d, `${name}.json`)).filter((f) => existsSync(f));
}

describe('golden coverage of the registry', () => {
  it.each(listEntries().map((e) => e.name))('%s has a golden file with computed cases', (name) => {
    const files = goldenFor(name);
    expect(files, `no golden file for ${name} in ${DIRS.join(' or ')}`).not.toEqual([]);
    const computed = files.flatMap((f) => parseGolden(readFileSync(f, 'utf8'), f).cases.filter((c) => !c.raises));
    expect(computed.length, `${name}: golden files hold no case that runs the model`).toBeGreaterThan(0);
  });
});
