/** The contract over Electron IPC, through the preload's named functions. */
import type { Channel, EngineClient, RequestOf, ResponseOf } from '../../src-shared/contract';
import { ContractCallError } from '../../src-shared/contract';
import { PRELOAD_FUNCTIONS, type IpcReply, type PreloadApi } from '../../src-shared/preloadApi';

export function createIpcClient(api: PreloadApi): EngineClient {
  return {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const fn = api[PRELOAD_FUNCTIONS[channel]] as (r: RequestOf<C>) => Promise<IpcReply<ResponseOf<C>>>;
      const reply = await fn(request);
      if (!reply.ok) throw new ContractCallError(reply.error);
      return reply.result;
    },
    on: (event, listener) => api.onEvent(event, listener),
  };
}
