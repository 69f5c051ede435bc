import type { ParamRef } from '../ops/ops';
import { numel } from '../weights/stateDict';

export type ParamKind = 'param' | 'buffer';

export interface RegisteredParam {
  ref: ParamRef;
  kind: ParamKind;
  /** Part of the classifier: ignored when loading into a features-only or re-headed model. */
  head: boolean;
}

/**
 * Every tensor a model declares, keyed by its timm state-dict key, in the
 * order timm's state_dict() lists them.
 */
export class ParamRegistry {
  private readonly entries = new Map<string, RegisteredParam>();

  add(key: string, shape: number[], kind: ParamKind, head: boolean): ParamRef {
    if (this.entries.has(key)) throw new Error(`parameter '${key}' declared twice`);
    const ref: ParamRef = { key, shape };
    this.entries.set(key, { ref, kind, head });
    return ref;
  }

  removePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  list(): RegisteredParam[] {
    return [...this.entries.values()];
  }

  get(key: string): RegisteredParam | undefined {
    return this.entries.get(key);
  }

  /** Sum of numel over trainable parameters: timm's `sum(p.numel() for p in m.parameters())`. */
  parameterCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.kind === 'param') n += numel(e.ref.shape);
    return n;
  }
}

/** A position in the module tree: hands out state-dict keys under its prefix. */
export class Scope {
  constructor(
    readonly registry: ParamRegistry,
    readonly prefix: string = '',
    private readonly isHead = false,
  ) {}

  child(name: string | number): Scope {
    return new Scope(this.registry, this.path(String(name)), this.isHead);
  }

  /** The same position, but everything declared below belongs to the classifier head. */
  asHead(): Scope {
    return new Scope(this.registry, this.prefix, true);
  }

  /** The module path of this scope, as timm's named_modules() prints it. */
  get name(): string {
    return this.prefix;
  }

  param(name: string, shape: number[]): ParamRef {
    return this.registry.add(this.path(name), shape, 'param', this.isHead);
  }

  buffer(name: string, shape: number[]): ParamRef {
    return this.registry.add(this.path(name), shape, 'buffer', this.isHead);
  }

  private path(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }
}
