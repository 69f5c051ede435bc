/**
 * Which convolutions can absorb the ops after them, read off a traced forward
 * pass — the one rule both executors follow (tfjs folds and fuses at run time,
 * the ONNX graph builder emits folded Convs). A conv whose output is read by one BatchNorm and nothing else (not even
 * as a returned feature) gets that BatchNorm folded into its weights at load
 * time; if the BatchNorm's (or else the conv's) output is in turn read only by a
 * ReLU/ReLU6, the conv kernel applies it too. Models stay as timm writes them:
 * the plan is found from the dataflow, for any architecture.
 */
import type { BatchNormParams, Dims4, Ops } from './ops';
import { TraceOps, type TraceRecord, type TraceValue } from './traceOps';

/** Activations tfjs's fused conv kernels apply as a clamp, at no cost. */
export type FusedActivation = 'relu' | 'relu6';
const FUSABLE = new Set<string>(['relu', 'relu6']);

/** What one conv absorbs. */
export interface ConvFusion {
  bn?: BatchNormParams;
  act?: FusedActivation;
}

/** Conv weight key → what that conv absorbs. Convs not listed run as written. */
export type FusionPlan = ReadonlyMap<string, ConvFusion>;

export const NO_FUSION: FusionPlan = new Map();

export interface Trace {
  records: readonly TraceRecord[];
  /** Ids of the values the forward pass returns. */
  outputs: readonly number[];
}

/** Runs `forward` symbolically on an input of `dims` and records its dataflow. */
export function traceForward(forward: <T>(ops: Ops<T>, x: T) => T[], dims: Dims4): Trace {
  return traceProgram((ops, [x]) => forward(ops, x), [dims]);
}

/** The same for a program of several inputs. */
export function traceProgram(program: <T>(ops: Ops<T>, xs: T[]) => T[], dims: readonly Dims4[]): Trace {
  const ops = new TraceOps();
  const outs: TraceValue[] = program(ops, dims.map((d) => ops.input(d)));
  return { records: ops.records, outputs: outs.map((v) => v.id) };
}

function countKeys(keys: string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const k of keys) n.set(k, (n.get(k) ?? 0) + 1);
  return n;
}

export function planFusion(trace: Trace): FusionPlan {
  const readers = new Map<number, TraceRecord[]>();
  for (const r of trace.records) {
    for (const id of r.inputs) {
      const list = readers.get(id);
      if (list) list.push(r);
      else readers.set(id, [r]);
    }
  }
  const returned = new Set(trace.outputs);
  const soleReader = (id: number): TraceRecord | undefined => {
    const rs = readers.get(id);
    return !returned.has(id) && rs?.length === 1 ? rs[0] : undefined;
  };
  // A weight used by two ops (shared weights) cannot be rewritten for one of them.
  const convUses = countKeys(trace.records.flatMap((r) => (r.op === 'conv2d' ? [r.weight.key] : [])));
  const bnUses = countKeys(trace.records.flatMap((r) => (r.op === 'batchNorm' ? [r.params.weight.key] : [])));

  const plan = new Map<string, ConvFusion>();
  for (const r of trace.records) {
    if (r.op !== 'conv2d' || convUses.get(r.weight.key) !== 1) continue;
    const fusion: ConvFusion = {};
    let value = r.outputs[0];
    let next = soleReader(value);
    if (next?.op === 'batchNorm' && bnUses.get(next.params.weight.key) === 1) {
      fusion.bn = next.params;
      value = next.outputs[0];
      next = soleReader(value);
    }
    if (next?.op === 'activation' && FUSABLE.has(next.kind)) fusion.act = next.kind as FusedActivation;
    if (fusion.bn || fusion.act) plan.set(r.weight.key, fusion);
  }
  return plan;
}
