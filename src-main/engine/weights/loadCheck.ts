/**
 * PyTorch's strict load_state_dict check, with timm's classifier rule: when a
 * model is built features-only, or with a num_classes other than the
 * checkpoint's, timm drops the checkpoint's classifier and loads the rest
 * (timm's load_pretrained pops `pretrained_cfg['classifier']` .weight/.bias
 * and the fresh head keeps its init).
 */
import { EngineError } from '../errors';
import type { ParamKind, ParamRegistry, RegisteredParam } from '../zoo/paramRegistry';
import type { StateDict } from './stateDict';
import { formatShape, sameShape } from './stateDict';

export interface DeclaredParam {
  key: string;
  /** PyTorch layout. */
  shape: readonly number[];
  kind?: ParamKind;
  /** Part of the classifier. */
  head: boolean;
}

export interface LoadReport {
  /** Declared by the model, absent from the weights. */
  missing: string[];
  /** In the weights, not declared by the model. */
  unexpected: string[];
  /** In both, with different shapes. */
  mismatched: Array<{ key: string; expected: number[]; found: number[] }>;
}

export interface LoadCheckOptions {
  /** The model was built features_only: its classifier is not loaded. */
  featuresOnly?: boolean;
  /** The model's num_classes … */
  numClasses?: number;
  /** … and the checkpoint's (pretrained_cfg num_classes); when they differ the classifier is not loaded. */
  pretrainedNumClasses?: number;
  /** Force the classifier rule on or off, whatever the options above say. */
  ignoreHead?: boolean;
  /**
   * Module paths of the checkpoint's classifier (timm's pretrained_cfg
   * `classifier`), used to drop its keys when the model declares no head
   * (features-only, num_classes=0). Defaults to the model's own head modules
   * plus timm's usual names: fc, classifier, head, head.fc, last_linear.
   */
  classifierModules?: readonly string[];
}

/** timm's usual classifier module names (pretrained_cfg['classifier']). */
export const DEFAULT_CLASSIFIER_MODULES: readonly string[] = ['fc', 'classifier', 'head', 'head.fc', 'last_linear'];

function isRegistry(p: unknown): p is ParamRegistry {
  return typeof (p as ParamRegistry).list === 'function';
}

function toDeclared(params: ParamRegistry | ReadonlyArray<RegisteredParam | DeclaredParam>): DeclaredParam[] {
  const list = isRegistry(params) ? params.list() : params;
  return list.map((p) => ('ref' in p ? { key: p.ref.key, shape: p.ref.shape, kind: p.kind, head: p.head } : p));
}

function moduleOf(key: string): string {
  const i = key.lastIndexOf('.');
  return i < 0 ? '' : key.slice(0, i);
}

/** Whether timm would leave the classifier out of the load. */
export function headIgnored(o: LoadCheckOptions): boolean {
  if (o.ignoreHead !== undefined) return o.ignoreHead;
  if (o.featuresOnly) return true;
  return o.numClasses !== undefined && o.pretrainedNumClasses !== undefined && o.numClasses !== o.pretrainedNumClasses;
}

/** Compares the model's declared tensors with a state dict, as load_state_dict(strict=True) would. */
export function loadCheck(
  params: ParamRegistry | ReadonlyArray<RegisteredParam | DeclaredParam>,
  sd: StateDict,
  options: LoadCheckOptions = {},
): LoadReport {
  const declared = toDeclared(params);
  const ignoreHead = headIgnored(options);
  const headModules = new Set([...(options.classifierModules ?? DEFAULT_CLASSIFIER_MODULES), ...declared.filter((p) => p.head).map((p) => moduleOf(p.key))]);
  const byKey = new Map(declared.map((p) => [p.key, p]));
  const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
  for (const p of declared) {
    if (ignoreHead && p.head) continue;
    const t = sd.get(p.key);
    if (!t) report.missing.push(p.key);
    else if (!sameShape(t.shape, p.shape)) report.mismatched.push({ key: p.key, expected: [...p.shape], found: [...t.shape] });
  }
  for (const key of sd.keys()) {
    if (byKey.has(key)) continue;
    // BatchNorm's integer step counter: in timm checkpoints, never a model input (the zoo does not declare it).
    if (key.endsWith('.num_batches_tracked') || key === 'num_batches_tracked') continue;
    if (ignoreHead && headModules.has(moduleOf(key))) continue;
    report.unexpected.push(key);
  }
  return report;
}

export function reportIsClean(r: LoadReport): boolean {
  return r.missing.length === 0 && r.unexpected.length === 0 && r.mismatched.length === 0;
}

const FIRST = 5;

function firstFew(keys: readonly string[]): string {
  const shown = keys.slice(0, FIRST).map((k) => `'${k}'`).join(', ');
  return keys.length > FIRST ? `${shown}, … (${keys.length - FIRST} more)` : shown;
}

/** A message that names counts and the first few keys of each kind of problem. */
export function describeReport(r: LoadReport, expectedCount: number, source?: string): string {
  const parts: string[] = [];
  const from = source ? ` in ${source}` : '';
  if (r.missing.length) parts.push(`${r.missing.length} of ${expectedCount} keys missing${from}: ${firstFew(r.missing)}`);
  if (r.mismatched.length) {
    const shown = r.mismatched
      .slice(0, FIRST)
      .map((m) => `'${m.key}' expected ${formatShape(m.expected)} found ${formatShape(m.found)}`)
      .join(', ');
    const more = r.mismatched.length > FIRST ? `, … (${r.mismatched.length - FIRST} more)` : '';
    parts.push(`${r.mismatched.length} with the wrong shape: ${shown}${more}`);
  }
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected keys: ${firstFew(r.unexpected)}`);
  let msg = parts.join('; ');
  const matched = expectedCount - r.missing.length - r.mismatched.length;
  if (expectedCount > 0 && matched <= expectedCount / 2) {
    msg += ` — only ${matched} of ${expectedCount} keys match: this looks like weights for another architecture`;
  }
  return msg;
}

export interface CheckWeightsOptions extends LoadCheckOptions {
  /** Where the weights came from (file or repo id), for the message. */
  source?: string;
  /** The model's name, for the message. */
  model?: string;
}

/**
 * Throws EngineError('WEIGHTS_MISMATCH', message, { ...report }) unless the
 * weights fit the model exactly (modulo the classifier rule). Returns the
 * (clean) report.
 */
export function checkWeights(
  params: ParamRegistry | ReadonlyArray<RegisteredParam | DeclaredParam>,
  sd: StateDict,
  options: CheckWeightsOptions = {},
): LoadReport {
  const report = loadCheck(params, sd, options);
  if (reportIsClean(report)) return report;
  const declared = toDeclared(params);
  const ignoreHead = headIgnored(options);
  const expectedCount = declared.filter((p) => !(ignoreHead && p.head)).length;
  const what = options.model ? `weights do not fit ${options.model}` : 'weights do not fit the model';
  throw new EngineError('WEIGHTS_MISMATCH', `${what}: ${describeReport(report, expectedCount, options.source)}`, {
    ...report,
    expectedCount,
    ...(options.source ? { source: options.source } : {}),
  });
}
