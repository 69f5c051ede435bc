/** Saving files from the renderer: a Blob and a temporary link (works in Electron and browsers alike). */
import type { ComputedLevel, ComputeResult } from '../../src-shared/contract';
import { encodeNpy } from '../../src-shared/export/npy';

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled; the download keeps its own copy.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const safe = (s: string) => s.replace(/[^\w.-]+/g, '_');

/** A level as NumPy's .npy, shape [1, C, H, W] float32: the file the CLI's `run --npy` writes. */
export function downloadNpy(model: string, level: ComputedLevel): void {
  const bytes = encodeNpy(level.data, [1, ...level.shape]);
  downloadBlob(`${safe(model)}_level${level.index}.npy`, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
}

export function downloadJson(name: string, value: unknown): void {
  downloadBlob(name, new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }));
}

/** feature_info as JSON, in the shape the CLI's `run` writes. */
export function featureInfoJson(r: ComputeResult, imageName: string): unknown {
  return {
    model: r.model,
    weights: r.weightsLabel,
    backend: r.backend,
    outIndices: r.outIndices,
    outputStride: r.outputStride,
    inputSize: r.inputSize,
    image: imageName,
    levels: r.levels.map(({ data: _data, ...rest }) => rest),
    timings: r.timings,
  };
}

export function fileSafe(name: string): string {
  return safe(name);
}
