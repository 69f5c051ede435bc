/** The ModelProto encoder: wire-format details, and models ONNX Runtime loads and runs as written. */
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeModel, varint, type OnnxModelProto, type OnnxNode, type OnnxTensor } from './onnxProto';

describe('varint', () => {
  it('encodes protobuf base-128 varints, negatives as ten-byte int64', () => {
    expect([...varint(0)]).toEqual([0]);
    expect([...varint(1)]).toEqual([1]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(2 ** 32)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    expect([...varint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => varint(0.5)).toThrow(/safe integer/);
  });
});

function model(nodes: OnnxNode[], initializers: OnnxTensor[], input: Array<number | string>, output: Array<number | string>): OnnxModelProto {
  return {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'test',
    graph: { name: 'g', nodes, initializers, inputs: [{ name: 'x', dims: input }], outputs: [{ name: 'y', dims: output }] },
  };
}

async function run(m: OnnxModelProto, x: Float32Array, shape: number[]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await InferenceSession.create(encodeModel(m));
  try {
    const r = await session.run({ x: new Tensor('float32', x, shape) });
    return { dims: r.y.dims, data: r.y.data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('encodeModel', () => {
  it('writes every attribute kind and tensor type so that ORT computes the intended graph', async () => {
    // y = Transpose(Pad(LeakyRelu(x + b), pads, -1), perm) with a symbolic batch dim.
    const m = model(
      [
        { opType: 'Add', inputs: ['x', 'b'], outputs: ['s'] },
        { opType: 'LeakyRelu', inputs: ['s'], outputs: ['l'], attributes: [{ name: 'alpha', type: 'float', value: 0.25 }] },
        { opType: 'Pad', inputs: ['l', 'pads', 'fill'], outputs: ['p'], attributes: [{ name: 'mode', type: 'string', value: 'constant' }] },
        { opType: 'Transpose', inputs: ['p'], outputs: ['y'], name: 'last', attributes: [{ name: 'perm', type: 'ints', value: [0, 2, 1] }] },
      ],
      [
        { name: 'b', dataType: 'float', dims: [3], data: Float32Array.from([1, -2, 0.5]) },
        { name: 'pads', dataType: 'int64', dims: [6], data: BigInt64Array.from([0n, 0n, 0n, 0n, 1n, 0n]) },
        { name: 'fill', dataType: 'float', dims: [], data: Float32Array.from([-1]) },
      ],
      ['N', 1, 3],
      ['N', 3, 2],
    );
    const y = await run(m, Float32Array.from([-4, 1, 2, 3, 4, -8]), [2, 1, 3]);
    // x + b: [-3, -1, 2.5], [4, 2, -7.5] → leaky: [-0.75, -0.25, 2.5], [4, 2, -1.875]; pad a row of -1; transpose.
    expect(y.dims).toEqual([2, 3, 2]);
    expect([...y.data]).toEqual([-0.75, -1, -0.25, -1, 2.5, -1, 4, -1, 2, -1, -1.875, -1]);
  });

  it('carries a large initializer as raw little-endian data', async () => {
    const n = 100_003;
    const w = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3);
    const m = model([{ opType: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }], [{ name: 'w', dataType: 'float', dims: [n], data: w }], [n], [n]);
    const y = await run(m, new Float32Array(n).fill(2), [n]);
    expect(y.data.every((v, i) => v === 2 * w[i])).toBe(true);
  });
});
