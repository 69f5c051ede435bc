/**
 * A loopback stand-in for the Hugging Face hub during e2e runs (never the
 * internet): timm/resnet18.a1_in1k built from the golden weight formula,
 * served in chunks so progress is visible, and timm/resnet34.a1_in1k served
 * so slowly that a test can cancel it.
 */
import { startTestHub } from '../../src-main/engine/weights/hubTestServer';
import { serializeSafetensors } from '../../src-main/engine/weights/safetensors';
import { formulaStateDict } from '../../src-main/engine/weights/formula';
import { createModel } from '../../src-main/engine/zoo/builder';

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 0);
const weightsOf = (name: string) => serializeSafetensors(formulaStateDict(createModel(name).model.registry.list().map((p) => p.ref)));

const hub = await startTestHub(
  [
    { repoId: 'timm/resnet18.a1_in1k', content: weightsOf('resnet18'), fault: { kind: 'slow', chunk: 2 << 20, delayMs: 60 } },
    { repoId: 'timm/resnet34.a1_in1k', content: weightsOf('resnet34'), fault: { kind: 'slow', chunk: 64 << 10, delayMs: 200 } },
  ],
  port,
);
console.log(`fake hub: ${hub.endpoint}`);
