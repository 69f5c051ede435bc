/**
 * Writes a model's formula weights, scaled, as .safetensors — weights that are not
 * random init, for tests that load a local file. Run with tsx (the zoo imports JSON,
 * which Playwright's loader does not):
 *   npx tsx e2e/support/writeWeights.ts <model> <scale> <out.safetensors>
 */
import { writeFileSync } from 'node:fs';
import { createModel } from '../../src-main/engine/zoo/builder';
import { formulaStateDict } from '../../src-main/engine/weights/formula';
import { serializeSafetensors } from '../../src-main/engine/weights/safetensors';

const [model, scale, out] = process.argv.slice(2);
const sd = formulaStateDict(createModel(model).model.registry.list().map((p) => p.ref));
for (const t of sd.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= Number(scale);
writeFileSync(out, serializeSafetensors(sd));
