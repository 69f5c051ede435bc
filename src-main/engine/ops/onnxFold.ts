/**
 * Graph-build-time rewrites of an ONNX node list: BatchNorm folded into the
 * Conv before it (eval-mode BN is a per-channel affine map, so it becomes the
 * conv's weight scale and bias), and unused initializers dropped. Folding here
 * keeps the serialized model smaller and needs nothing from the runtime.
 */
import type { OnnxNode, OnnxTensor } from './onnxProto';

function floatData(initializers: Map<string, OnnxTensor>, name: string): Float32Array | undefined {
  const t = initializers.get(name);
  return t?.dataType === 'float' ? t.data : undefined;
}

function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes?.find((x) => x.name === name);
  return a?.type === 'float' ? a.value : fallback;
}

/**
 * Replaces each Conv → BatchNormalization pair, where the conv's output feeds
 * only that BN and is not a graph output, by one Conv with folded weights.
 * New initializers are added to `initializers` (the originals are left
 * untouched: they are the caller's StateDict arrays).
 */
export function foldConvBatchNorm(nodes: readonly OnnxNode[], initializers: Map<string, OnnxTensor>, graphOutputs: ReadonlySet<string>): OnnxNode[] {
  const producer = new Map<string, number>();
  const consumers = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) producer.set(o, i);
    for (const x of n.inputs) consumers.set(x, (consumers.get(x) ?? 0) + 1);
  });
  const replaced = new Map<number, OnnxNode>();
  const dropped = new Set<number>();
  nodes.forEach((bn, bnIndex) => {
    if (bn.opType !== 'BatchNormalization') return;
    const convIndex = producer.get(bn.inputs[0]);
    if (convIndex === undefined || replaced.has(convIndex)) return;
    const conv = nodes[convIndex];
    if (conv.opType !== 'Conv' || consumers.get(conv.outputs[0]) !== 1 || graphOutputs.has(conv.outputs[0])) return;
    const weightT = initializers.get(conv.inputs[1]);
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => floatData(initializers, n));
    if (weightT?.dataType !== 'float' || !gamma || !beta || !mean || !variance) return;
    const bias = conv.inputs[2] ? floatData(initializers, conv.inputs[2]) : undefined;
    if (conv.inputs[2] && !bias) return;

    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const outC = weightT.dims[0];
    const perOut = weightT.data.length / outC;
    const w = new Float32Array(weightT.data.length);
    const b = new Float32Array(outC);
    for (let o = 0; o < outC; o++) {
      // In float64, then rounded once: as close to the unfolded BN as float32 allows.
      const s = gamma[o] / Math.sqrt(variance[o] + eps);
      for (let i = o * perOut; i < (o + 1) * perOut; i++) w[i] = weightT.data[i] * s;
      b[o] = ((bias ? bias[o] : 0) - mean[o]) * s + beta[o];
    }
    const wName = `${conv.inputs[1]}+${bn.inputs[1]}`;
    const bName = `${bn.inputs[2]}+folded`;
    initializers.set(wName, { name: wName, dataType: 'float', dims: weightT.dims, data: w });
    initializers.set(bName, { name: bName, dataType: 'float', dims: [outC], data: b });
    replaced.set(convIndex, { ...conv, inputs: [conv.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    dropped.add(bnIndex);
  });
  return nodes.flatMap((n, i) => (dropped.has(i) ? [] : [replaced.get(i) ?? n]));
}

/** The initializers some node reads, in first-use order. */
export function pruneInitializers(nodes: readonly OnnxNode[], initializers: ReadonlyMap<string, OnnxTensor>): OnnxTensor[] {
  const used = new Map<string, OnnxTensor>();
  for (const n of nodes) {
    for (const x of n.inputs) {
      const t = initializers.get(x);
      if (t && !used.has(x)) used.set(x, t);
    }
  }
  return [...used.values()];
}
