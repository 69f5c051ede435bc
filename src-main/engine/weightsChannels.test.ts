/** The weights channels of the contract, against a loopback hub and a temporary cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineService } from './service';
import { startTestHub, type TestHub } from './weights/hubTestServer';
import { serializeSafetensors } from './weights/safetensors';
import { formulaStateDict } from './weights/formula';
import { createModel } from './zoo/builder';

let hub: TestHub;
let bytes: Uint8Array;
const service = new EngineService();

beforeAll(async () => {
  bytes = serializeSafetensors(formulaStateDict(createModel('resnet18').model.registry.list().map((p) => p.ref)));
  hub = await startTestHub([{ repoId: 'timm/resnet18.a1_in1k', content: bytes }]);
  // The hub code reads these as huggingface_hub does, at each call.
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_HUB_CACHE = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-channels-'));
  delete process.env.HF_HUB_OFFLINE;
});

afterAll(() => hub?.close());

describe('weights channels', () => {
  it('download says whether it came from the cache; list and remove see it', async () => {
    const first = await service.handle('weights:download', { tag: 'resnet18.a1_in1k' });
    expect(first).toMatchObject({ repoId: 'timm/resnet18.a1_in1k', sizeBytes: bytes.byteLength, fromCache: false });
    const requests = hub.requests.length;
    const again = await service.handle('weights:download', { tag: 'resnet18.a1_in1k' });
    expect(again).toMatchObject({ path: first.path, fromCache: true });
    expect(hub.requests.length).toBe(requests);

    const list = await service.handle('weights:list', {});
    expect(list.cacheDir).toBe(process.env.HF_HUB_CACHE);
    expect(list.repos.map((r) => r.repoId)).toEqual(['timm/resnet18.a1_in1k']);
    expect(list.repos[0].sizeBytes).toBe(bytes.byteLength);

    expect(await service.handle('weights:remove', { repoId: 'timm/resnet18.a1_in1k' })).toMatchObject({ removed: true });
    expect((await service.handle('weights:list', {})).repos).toEqual([]);
    expect(await service.handle('weights:cancel', { repoId: 'timm/resnet18.a1_in1k' })).toEqual({ cancelled: false });
  });

  it('refuses a tag the model does not publish, naming the allowed ones', async () => {
    await expect(service.handle('weights:download', { tag: 'resnet18.nope' })).rejects.toThrow(/'resnet18\.nope' is not a pretrained tag of resnet18; allowed: resnet18\.a1_in1k/);
  });
});
