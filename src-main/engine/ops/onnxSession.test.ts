/** Execution-provider choice: CUDA only where installed, CPU fallback with a reason, bad settings named. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Tensor } from 'onnxruntime-node';
import { encodeModel } from './onnxProto';
import { createOnnxSession, onnxRuntimeStatus } from './onnxSession';

const relu = encodeModel({
  irVersion: 8,
  opsetVersion: 17,
  producerName: 'test',
  graph: { name: 'g', nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], initializers: [], inputs: [{ name: 'x', dims: [3] }], outputs: [{ name: 'y', dims: [3] }] },
});

const cudaInstalled = existsSync(
  path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'),
);

afterEach(() => {
  delete process.env.PYRAMIDSCOPE_ORT_THREADS;
});

describe('createOnnxSession', () => {
  it('runs on the CPU when forced, and says why CUDA is not used', async () => {
    const s = await createOnnxSession(relu, 'cpu');
    const y = await s.run({ x: new Tensor('float32', Float32Array.from([-1, 0, 2]), [3]) });
    expect([...(y.y.data as Float32Array)]).toEqual([0, 0, 2]);
    await s.release();
    expect(onnxRuntimeStatus()).toEqual({ provider: 'cpu', cudaSkipped: 'PYRAMIDSCOPE_ORT_EP=cpu' });
  });

  it.runIf(!cudaInstalled)('falls back to the CPU where onnxruntime-node has no CUDA provider', async () => {
    const s = await createOnnxSession(relu, undefined);
    await s.release();
    expect(onnxRuntimeStatus()).toEqual({ provider: 'cpu', cudaSkipped: 'onnxruntime-node has no CUDA provider installed' });
  });

  it('names bad settings', async () => {
    await expect(createOnnxSession(relu, 'tpu')).rejects.toThrow(/PYRAMIDSCOPE_ORT_EP='tpu'.*cpu, cuda/);
    process.env.PYRAMIDSCOPE_ORT_THREADS = '0';
    await expect(createOnnxSession(relu, 'cpu')).rejects.toThrow(/PYRAMIDSCOPE_ORT_THREADS='0'/);
    process.env.PYRAMIDSCOPE_ORT_THREADS = '1';
    await (await createOnnxSession(relu, 'cpu')).release();
  });
});
