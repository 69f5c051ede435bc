/** Saving files from the renderer: a Blob and a temporary link (works in Electron and browsers alike). */
import { float32Data, type EngineClient, type RequestOf } from '../../src-shared/contract';
import type { ShownLevel, ShownResult } from '../store/shown';
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

/**
 * A level as NumPy's .npy, shape [1, C, H, W] float32: the file the CLI's `run --npy`
 * writes. A level held as float16 is asked of the engine again as float32 (served from
 * its feature cache), so the file always has the engine's exact values.
 */
export async function downloadNpy(client: EngineClient, result: Pick<ShownResult, 'model' | 'request'>, level: ShownLevel): Promise<void> {
  const data = level.data instanceof Float32Array ? level.data : await exactLevel(client, result.request, level.index);
  const bytes = encodeNpy(data, [1, ...level.shape]);
  downloadBlob(`${safe(result.model)}_level${level.index}.npy`, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
}

async function exactLevel(client: EngineClient, request: RequestOf<'features:compute'>, index: number): Promise<Float32Array> {
  const { runId: _runId, cancelGroup: _group, ...same } = request;
  const r = await client.invoke('features:compute', { ...same, outIndices: [index], transfer: 'float32' });
  return float32Data(r.levels[0]);
}

export function downloadJson(name: string, value: unknown): void {
  downloadBlob(name, new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }));
}

/** feature_info as JSON, in the shape the CLI's `run` writes. */
export function featureInfoJson(r: ShownResult, imageName: string): unknown {
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
