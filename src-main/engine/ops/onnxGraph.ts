/**
 * An ONNX graph under construction: unique value names, nodes in topological
 * order (the op layer calls them in execution order), initializers taken from
 * a StateDict in PyTorch layout (ONNX is NCHW/OIHW too: no layout change),
 * and the hand-off to a ModelProto with the chosen outputs.
 */
import type { ParamRef } from './ops';
import type { StateDict, TensorData } from '../weights/stateDict';
import { formatShape, sameShape } from '../weights/stateDict';
import type { OnnxAttribute, OnnxModelProto, OnnxNode, OnnxTensor } from './onnxProto';

/** A symbolic value of the graph: its name and static shape (NCHW, or [N, C] after flatten). */
export interface Sym {
  readonly name: string;
  readonly shape: readonly number[];
}

/** ONNX opset the graph is written for (HardSwish needs 14; Split/Pad take sizes as inputs since 13/11). */
export const OPSET = 17;
const IR_VERSION = 8;

export class OnnxGraph {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers = new Map<string, OnnxTensor>();
  private readonly constants = new Map<string, string>();
  private readonly inputs: Sym[] = [];
  private counter = 0;

  constructor(private readonly weights: StateDict) {}

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /** A float32 graph input of fixed shape. */
  input(name: string, shape: readonly number[]): Sym {
    const x = { name, shape: [...shape] };
    this.inputs.push(x);
    return x;
  }

  /** Appends a node with one output of the given shape. */
  node(opType: string, inputs: string[], shape: readonly number[], attributes: OnnxAttribute[] = []): Sym {
    return this.nodeMulti(opType, inputs, [shape], attributes)[0];
  }

  /** Appends a node with one output per shape. */
  nodeMulti(opType: string, inputs: string[], shapes: ReadonlyArray<readonly number[]>, attributes: OnnxAttribute[] = []): Sym[] {
    const outs = shapes.map((shape) => ({ name: this.fresh(opType.toLowerCase()), shape: [...shape] }));
    this.nodes.push({ opType, inputs, outputs: outs.map((o) => o.name), name: this.fresh(opType), attributes });
    return outs;
  }

  /** A parameter's values from the weights, checked against the model's shape. */
  tensorData(ref: ParamRef): TensorData {
    const t = this.weights.get(ref.key);
    if (!t) throw new Error(`weights have no tensor '${ref.key}'`);
    if (!sameShape(t.shape, ref.shape)) {
      throw new Error(`weights tensor '${ref.key}' has shape ${formatShape(t.shape)}, model expects ${formatShape(ref.shape)}`);
    }
    return t;
  }

  /** A parameter as an initializer named by its state-dict key (added once). */
  param(ref: ParamRef): string {
    if (!this.initializers.has(ref.key)) {
      const t = this.tensorData(ref);
      this.initializers.set(ref.key, { name: ref.key, dataType: 'float', dims: [...t.shape], data: t.data });
    }
    return ref.key;
  }

  /** An initializer computed from parameters (a folded conv weight), under a name derived from their keys. */
  derived(name: string, t: TensorData): string {
    if (!this.initializers.has(name)) this.initializers.set(name, { name, dataType: 'float', dims: [...t.shape], data: t.data });
    return name;
  }

  /** A float32 constant; identical constants are shared. */
  floats(dims: readonly number[], values: Float32Array | readonly number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.constant(`f|${dims.join(',')}|${data.join(',')}`, () => ({ name: this.fresh('const'), dataType: 'float', dims: [...dims], data }));
  }

  /** A 1-D int64 constant (shapes, pads, split sizes); identical constants are shared. */
  int64s(values: readonly number[]): string {
    return this.constant(`i|${values.join(',')}`, () => ({
      name: this.fresh('ints'),
      dataType: 'int64',
      dims: [values.length],
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    }));
  }

  private constant(key: string, make: () => OnnxTensor): string {
    let name = this.constants.get(key);
    if (!name) {
      const t = make();
      this.initializers.set(t.name, t);
      this.constants.set(key, t.name);
      name = t.name;
    }
    return name;
  }

  /**
   * The finished model whose outputs are `outputs`, renamed to their given
   * names, without the initializers no node reads.
   */
  toModel(outputs: ReadonlyArray<{ name: string; value: Sym }>): OnnxModelProto {
    let nodes = [...this.nodes];
    const initializers = new Map(this.initializers);
    const rename = new Map<string, string>();
    const inputNames = new Set(this.inputs.map((i) => i.name));
    for (const { name, value } of outputs) {
      if (inputNames.has(value.name) || rename.has(value.name) || initializers.has(value.name)) {
        // Not a node's own output (or already an output): copy it.
        nodes.push({ opType: 'Identity', inputs: [value.name], outputs: [name], name: this.fresh('Identity') });
      } else {
        rename.set(value.name, name);
      }
    }
    const renamed = (n: string) => rename.get(n) ?? n;
    nodes = nodes.map((n) => ({ ...n, inputs: n.inputs.map(renamed), outputs: n.outputs.map(renamed) }));
    const used = pruneInitializers(nodes, initializers);
    return {
      irVersion: IR_VERSION,
      opsetVersion: OPSET,
      producerName: 'pyramidscope',
      graph: {
        name: 'pyramidscope',
        nodes,
        initializers: used,
        inputs: this.inputs.map((i) => ({ name: i.name, dims: i.shape })),
        outputs: outputs.map((o) => ({ name: o.name, dims: o.value.shape })),
      },
    };
  }
}

/** The initializers some node reads, in first-use order. */
function pruneInitializers(nodes: readonly OnnxNode[], initializers: ReadonlyMap<string, OnnxTensor>): OnnxTensor[] {
  const used = new Map<string, OnnxTensor>();
  for (const n of nodes) {
    for (const x of n.inputs) {
      const t = initializers.get(x);
      if (t && !used.has(x)) used.set(x, t);
    }
  }
  return [...used.values()];
}
