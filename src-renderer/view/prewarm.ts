/**
 * After a result arrives, reduce every level to each aggregate in idle time,
 * one (level, aggregate, sign) per idle slot, so switching the view later is
 * a repaint — at 1024×1024 a cold mean over 48 M floats takes a few hundred ms.
 */
import type { ComputedLevel } from '../../src-shared/contract';
import type { ValueSign } from '../../src-shared/maps/display';
import { levelScalar } from './levelDisplays';

const AGGREGATES = ['mean', 'max', 'l2', 'std', 'abssum'] as const;

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

/** Starts prewarming; returns a function that stops it (call when the result is replaced). */
export function prewarmAggregates(levels: readonly ComputedLevel[], firstSign: ValueSign, idle: Idle = onIdle): () => void {
  const signs: ValueSign[] = firstSign === 'signed' ? ['signed', 'relu'] : ['relu', 'signed'];
  const jobs = signs.flatMap((sign) => AGGREGATES.flatMap((mode) => levels.map((level) => () => void levelScalar(level, mode, 0, sign))));
  let cancel: (() => void) | undefined;
  const next = () => {
    const job = jobs.shift();
    if (!job) return;
    job();
    cancel = idle(next);
  };
  cancel = idle(next);
  return () => cancel?.();
}
