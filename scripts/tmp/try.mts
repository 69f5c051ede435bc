import { readFileSync } from 'node:fs';
import { initBackend } from '/work/main/src-main/engine/backend';
import { parseGolden } from '/work/main/src-main/engine/conformance/golden';
import { runGoldenFile } from '/work/main/src-main/engine/conformance/runGolden';
const b = await initBackend();
console.log(b);
for (const f of process.argv.slice(2)) {
  const g = parseGolden(readFileSync(f, 'utf8'), f);
  for (const r of runGoldenFile(g)) console.log(r.status, r.model, r.id, r.seconds.toFixed(2), r.detail.slice(0, 300));
}
