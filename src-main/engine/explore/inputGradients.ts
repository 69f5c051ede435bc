/**
 * Input gradients on every backend. tfjs's fused conv (what TfjsOps runs)
 * differentiates through customGrad, which computes a conv's input, filter and
 * bias gradients together even when only the input's is wanted, and the wasm
 * backend has no filter-gradient kernels. While an input gradient is taken we
 * register stand-ins returning zeros — backprop drops them, the filters not
 * being a function of the input — and remove them afterwards. A backend that
 * lacks an input-gradient kernel too (wasm has no depthwise one) runs the
 * whole computation on the cpu backend instead, then switches back.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

const FILTER_GRADIENTS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'] as const;

interface ZeroingBackend {
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

function zeros(backend: ZeroingBackend, shape: number[]): tf.TensorInfo {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (backend.makeOutput) return backend.makeOutput(shape, 'float32', undefined, values);
  if (backend.makeTensorInfo) return backend.makeTensorInfo(shape, 'float32', values);
  throw new Error(`backend '${tf.getBackend()}' cannot make a tensor for a filter-gradient stand-in`);
}

function withFilterGradientStandIns<R>(fn: () => R): R {
  const backendName = tf.getBackend();
  const added: string[] = [];
  for (const kernelName of FILTER_GRADIENTS) {
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ attrs, backend }) => zeros(backend as unknown as ZeroingBackend, [...((attrs as { filterShape: number[] }).filterShape)]),
    });
    added.push(kernelName);
  }
  try {
    return fn();
  } finally {
    for (const k of added) tf.unregisterKernel(k, backendName);
  }
}

/** Runs `fn` (which takes input gradients) on the current backend, or on cpu where a gradient kernel is missing. */
export function withInputGradients<R>(fn: () => R): R {
  try {
    return withFilterGradientStandIns(fn);
  } catch (e) {
    const backend = tf.getBackend();
    if (backend === 'cpu' || !/not registered for backend/.test(e instanceof Error ? e.message : String(e))) throw e;
    // setBackend on an initialised backend switches synchronously; nothing else runs until we switch back.
    void tf.setBackend('cpu');
    try {
      return withFilterGradientStandIns(fn);
    } finally {
      void tf.setBackend(backend);
    }
  }
}
