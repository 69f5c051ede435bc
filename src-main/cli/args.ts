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

/** A value as quoted in a message: long ones are cut, so an error stays one readable line. */
function quote(value: string): string {
  return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
}

/** A whole number that is exactly representable (digits beyond 2^53 would round, or become Infinity). */
function wholeNumber(text: string): number | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function intList(flag: string, value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  return parts.map((p) => {
    const n = wholeNumber(p);
    if (n === undefined) throw new UsageError(`--${flag} ${quote(value)}: ${quote(p)} is not a whole number; give a comma list like 1,3 or -1`);
    return n;
  });
}

export function int(flag: string, value: string): number {
  const n = wholeNumber(value);
  if (n === undefined) throw new UsageError(`--${flag} ${quote(value)} is not a whole number`);
  return n;
}
