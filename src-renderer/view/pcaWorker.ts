/**
 * The PCA → RGB fit and projection, off the renderer's main thread: at
 * 1024×1024 fitting every level of a ResNet-50 takes over a second. Receives
 * the panes' levels (copies, transferred), answers with the RGB displays.
 */
import { rgbDisplays, type RgbDisplay } from './levelDisplays';
import type { PcaJob } from './pcaAsync';

interface WorkerScope {
  onmessage: ((e: MessageEvent<PcaJob>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const { id, panes, options } = e.data;
  try {
    const displays: RgbDisplay[][] = rgbDisplays(panes, options);
    scope.postMessage({ id, displays }, displays.flat().map((d) => d.rgba.buffer));
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }, []);
  }
};
