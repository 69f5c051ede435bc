/** The contract over a WebSocket (web mode): binary frames, one pending promise per call. */
import type { Channel, EngineClient, EventName, Events, RequestOf, ResponseOf, ContractError } from '../../src-shared/contract';
import { ContractCallError } from '../../src-shared/contract';
import { encodeFrame } from '../../src-shared/wire';
import { FrameAssembler } from '../../src-shared/wireParts';

type Message =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ContractError }
  | { type: 'event'; event: EventName; payload: unknown };

/** A decoded frame as a Message, or an error saying what is wrong with it (undefined: a part of a large frame). */
function readMessage(v: unknown): Message | undefined {
  if (v === undefined) return undefined;
  const m = v as Partial<Record<string, unknown>> | null;
  if (m === null || typeof m !== 'object') throw new Error('not an object');
  if (m.type === 'event' && typeof m.event === 'string') return m as Message;
  if (m.type === 'result' && typeof m.id === 'number' && (m.ok === true || (m.ok === false && typeof m.error === 'object' && m.error !== null))) return m as Message;
  throw new Error(`neither a result nor an event: ${JSON.stringify(v).slice(0, 80)}`);
}

export function createWsClient(url: string): EngineClient {
  let socket: WebSocket | undefined;
  let opening: Promise<WebSocket> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();

  const open = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const assembler = new FrameAssembler(); // one per connection: parts never span sockets
      ws.onopen = () => {
        socket = ws;
        opening = undefined;
        resolve(ws);
      };
      ws.onerror = () => {
        opening = undefined;
        reject(new ContractCallError({ code: 'ENGINE_UNREACHABLE', message: `cannot reach the engine at ${url}` }));
      };
      ws.onclose = () => {
        socket = undefined;
        for (const p of pending.values()) p.reject(new ContractCallError({ code: 'ENGINE_UNREACHABLE', message: 'the connection to the engine closed' }));
        pending.clear();
      };
      ws.onmessage = (ev) => {
        let m: Message | undefined;
        try {
          m = readMessage(assembler.push(ev.data as ArrayBuffer));
        } catch (e) {
          // A frame we cannot read leaves the stream out of step: fail what waits on it, start over.
          const error = new ContractCallError({ code: 'BAD_FRAME', message: `the engine sent a frame this app cannot read (${(e as Error).message}); reconnecting` });
          for (const p of pending.values()) p.reject(error);
          pending.clear();
          ws.close();
          return;
        }
        if (m === undefined) return; // a part of a large frame
        if (m.type === 'event') {
          for (const l of listeners.get(m.event) ?? []) l(m.payload);
          return;
        }
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new ContractCallError(m.error));
      };
    });
    return opening;
  };

  return {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const ws = await open();
      const id = nextId++;
      return new Promise<ResponseOf<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(encodeFrame({ id, channel, payload: request }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      void open().catch(() => {});
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}
