/** Messages between an engine host and the engine running in a worker or utility process. */
import type { ContractError, Events, EventName } from '../../../src-shared/contract';

export type HostToEngine =
  | { type: 'call'; id: number; channel: string; payload: unknown }
  /** The host gave up on a call (timeout, cancellation): drop it if it has not started. */
  | { type: 'cancel'; id: number };

export type EngineToHost =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ContractError }
  | { type: 'event'; event: EventName; payload: Events[EventName] };
