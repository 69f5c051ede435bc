import type { DragEvent } from 'react';
import { useApp } from '../store';

/**
 * A file dropped anywhere on the window: a .safetensors file becomes the
 * weights, anything else is tried as the image (the engine says if it is not one).
 * Drop zones inside the window handle their own drops first.
 */
export function useDropFile(): (e: DragEvent) => Promise<void> {
  const useWeightsFile = useApp((s) => s.useWeightsFile);
  const chooseFile = useApp((s) => s.chooseFile);
  return async (e: DragEvent) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (file.name.toLowerCase().endsWith('.safetensors')) useWeightsFile(file.name, bytes);
    else chooseFile(file.name, bytes);
  };
}
