/** Runs golden files against the zoo: one result per case. */
import { createModel } from '../zoo/builder';
import { getEntry } from '../zoo/registry';
import { formulaInput, formulaStateDict } from '../weights/formula';
import { formatShape, sameShape } from '../weights/stateDict';
import type { StateDict } from '../weights/stateDict';
import { tfjsExecutor } from '../ops/tfjsExecutor';
import type { Executor, PreparedModel } from '../ops/executor';
import { compareOutput, type GoldenCase, type GoldenFile } from './golden';

export type CaseStatus = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  model: string;
  id: string;
  status: CaseStatus;
  detail: string;
  seconds: number;
}

const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Checks what a golden file says about the full model: keys, shapes, parameter count. */
export function checkStateDict(g: GoldenFile): string[] {
  const built = createModel(g.model);
  const ours = new Map(built.model.registry.list().map((p) => [p.ref.key, p.ref.shape]));
  const problems: string[] = [];
  for (const [key, shape] of g.state_dict) {
    const mine = ours.get(key);
    if (!mine) problems.push(`missing key ${key}`);
    else if (!sameShape(mine, shape)) problems.push(`${key}: ${formatShape(mine)} ≠ ${formatShape(shape)}`);
    ours.delete(key);
  }
  for (const key of ours.keys()) problems.push(`unexpected key ${key}`);
  const count = built.model.registry.parameterCount();
  if (count !== g.param_count) problems.push(`param_count ${count} ≠ ${g.param_count}`);
  return problems.slice(0, 5);
}

async function runCase(g: GoldenFile, c: GoldenCase, weights: StateDict, executor: Executor): Promise<{ status: CaseStatus; detail: string }> {
  const kw = c.kwargs;
  let prepared: PreparedModel | undefined;
  try {
    const build = () =>
      createModel(g.model, {
        featuresOnly: kw.features_only,
        outIndices: kw.out_indices,
        outputStride: kw.output_stride,
        numClasses: kw.num_classes,
        globalPool: kw.global_pool,
      });
    if (c.raises) {
      try {
        build();
      } catch (e) {
        const msg = String((e as Error).message);
        const named = Object.keys(kw).filter((k) => k !== 'features_only').some((k) => msg.includes(k));
        return named ? { status: 'pass', detail: `refused: ${msg}` } : { status: 'fail', detail: `refused without naming the argument: ${msg}` };
      }
      return { status: 'fail', detail: `timm raises ${c.raises}, the port accepted it` };
    }
    const built = build();
    if (c.reset_classifier) built.model.resetClassifier(c.reset_classifier[0], c.reset_classifier[1]);
    if (c.feature_info) {
      const fi = built.featureInfo;
      const want = c.feature_info;
      const problems: string[] = [];
      if (!same(fi.map((f) => f.numChs), want.channels)) problems.push(`channels ${fi.map((f) => f.numChs)} ≠ ${want.channels}`);
      if (!same(fi.map((f) => f.reduction), want.reduction)) problems.push(`reduction ${fi.map((f) => f.reduction)} ≠ ${want.reduction}`);
      if (!same(fi.map((f) => f.module), want.module)) problems.push(`module ${fi.map((f) => f.module)} ≠ ${want.module}`);
      if (problems.length) return { status: 'fail', detail: `feature_info: ${problems.join('; ')}` };
    }
    prepared = await executor.prepare(built, weights);
    const outputs = await prepared.run({ shape: c.input, data: formulaInput(c.input) }, c.call ?? 'forward');
    if (outputs.length !== c.outputs.length) return { status: 'fail', detail: `${outputs.length} outputs, expected ${c.outputs.length}` };
    const problems = outputs.flatMap((o, i) => compareOutput(o, c.outputs[i]).map((p) => `output ${i}: ${p}`));
    if (problems.length) return { status: 'fail', detail: problems.slice(0, 4).join('; ') };
    return { status: 'pass', detail: outputs.map((o) => formatShape(o.shape)).join(' ') };
  } catch (e) {
    return { status: 'fail', detail: `error: ${(e as Error).message}` };
  } finally {
    prepared?.dispose();
  }
}

/** Runs every case of one golden file on an executor; yields results as they finish. */
export async function* runGoldenFile(g: GoldenFile, executor: Executor = tfjsExecutor): AsyncGenerator<CaseResult> {
  try {
    getEntry(g.model);
  } catch {
    for (const c of g.cases) yield { model: g.model, id: c.id, status: 'skip', detail: `model '${g.model}' is not in the zoo yet`, seconds: 0 };
    return;
  }
  const sdProblems = checkStateDict(g);
  if (sdProblems.length) {
    for (const c of g.cases) yield { model: g.model, id: c.id, status: 'fail', detail: `state_dict: ${sdProblems.join('; ')}`, seconds: 0 };
    return;
  }
  const weights = formulaStateDict(g.state_dict.map(([key, shape]) => ({ key, shape })));
  for (const c of g.cases) {
    const t0 = performance.now();
    const r = await runCase(g, c, weights, executor);
    yield { model: g.model, id: c.id, ...r, seconds: (performance.now() - t0) / 1000 };
  }
}
