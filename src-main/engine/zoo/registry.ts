import type { ModelEntry } from './model';
import { allEntries } from './models/index';
import { EngineError } from '../errors';

const byName = new Map(allEntries.map((e) => [e.name, e]));

export function listEntries(): readonly ModelEntry[] {
  return allEntries;
}

/** Closest names by edit distance, for "did you mean" hints. */
function suggestions(name: string, limit = 3): string[] {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  return [...byName.keys()].map((n) => [n, dist(name, n)] as const).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([n]) => n);
}

export function getEntry(name: string): ModelEntry {
  // Accept timm's 'arch.tag' form: the architecture is what the zoo registers.
  const arch = name.split('.')[0];
  const e = byName.get(arch);
  if (!e) {
    throw new EngineError('UNKNOWN_MODEL', `unknown model '${name}'; did you mean ${suggestions(arch).map((s) => `'${s}'`).join(', ')}? (${byName.size} models: see 'models')`, { model: name });
  }
  return e;
}
