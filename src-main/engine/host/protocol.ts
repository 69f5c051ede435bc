/** Messages between an engine host and the engine running in a worker or utility process. */
import type { ContractError, Events, EventName } from '../../../src-shared/contract';

export type HostToEngine = { type: 'call'; id: number; channel: string; payload: unknown };

export type EngineToHost =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ContractError }
  | { type: 'event'; event: EventName; payload: Events[EventName] };
