/** A small, strict flag parser: unknown flags and bad values are errors that name them. */
export class UsageError extends Error {}

export interface FlagSpec {
  /** 'bool' flags take no value; 'optional' may take one with '=' (e.g. --pretrained=tag). */
  [flag: string]: 'string' | 'bool' | 'optional';
}

export interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseFlags(argv: string[], spec: FlagSpec): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option '--${name}'; allowed: ${Object.keys(spec).map((f) => `--${f}`).join(', ')}`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (kind === 'optional') {
      flags.set(name, eq >= 0 ? a.slice(eq + 1) : true);
    } else {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags.set(name, v);
    }
  }
  return { positional, flags };
}

export function intList(flag: string, value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  return parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--${flag} '${value}': '${p}' is not a whole number; give a comma list like 1,3 or -1`);
    return Number(p);
  });
}

export function int(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} '${value}' is not a whole number`);
  return Number(value);
}
