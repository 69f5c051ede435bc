/** A model's weights as timm names them: state-dict key → PyTorch-layout float32 data. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, TensorData>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
