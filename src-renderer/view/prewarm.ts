/**
 * After a result arrives, reduce every level to its aggregates in idle time,
 * one (level, sign) per idle slot, so switching the view later is a repaint —
 * at 1024×1024 a cold pass over 48 M floats takes a few hundred ms.
 */
import type { ShownLevel } from '../store/shown';
import type { ValueSign } from '../../src-shared/maps/display';
import { levelScalar } from './levelDisplays';

type Idle = (cb: () => void) => () => void;

const onIdle: Idle =
  typeof requestIdleCallback === 'function'
    ? (cb) => {
        const id = requestIdleCallback(cb, { timeout: 2000 });
        return () => cancelIdleCallback(id);
      }
    : (cb) => {
        const id = setTimeout(cb, 30);
        return () => clearTimeout(id);
      };

/** The level lists whose prewarm finished, so test mode can hold run-status at `running` until then. */
const warmed = new WeakSet<readonly ShownLevel[]>();
let version = 0;
const listeners = new Set<() => void>();
export function isPrewarmed(levels: readonly ShownLevel[]): boolean {
  return warmed.has(levels);
}
/** Bumps on every finished prewarm (a useSyncExternalStore snapshot). */
export function prewarmVersion(): number {
  return version;
}
export function onPrewarmChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Starts prewarming; returns a function that stops it (call when the result is replaced). */
export function prewarmAggregates(levels: readonly ShownLevel[], firstSign: ValueSign, idle: Idle = onIdle): () => void {
  const signs: ValueSign[] = firstSign === 'signed' ? ['signed', 'relu'] : ['relu', 'signed'];
  // One job per (sign, level): the first aggregate reduces the level to all five in one pass.
  const jobs = signs.flatMap((sign) => levels.map((level) => () => void levelScalar(level, 'mean', 0, sign)));
  let cancel: (() => void) | undefined;
  const next = () => {
    const job = jobs.shift();
    if (!job) {
      warmed.add(levels);
      version++;
      for (const l of listeners) l();
      return;
    }
    job();
    cancel = idle(next);
  };
  cancel = idle(next);
  return () => cancel?.();
}
