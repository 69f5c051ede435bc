/**
 * Finds the app's bundled resources (samples, class names) whether the engine
 * runs from source (tsx, vitest), from out/main (built), or packaged.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function resourcesDir(): string {
  if (cached) return cached;
  const fromEnv = process.env.PYRAMIDSCOPE_RESOURCES;
  if (fromEnv) return (cached = fromEnv);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'resources');
    if (existsSync(path.join(candidate, 'samples', 'samples.json'))) return (cached = candidate);
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the resources folder (set PYRAMIDSCOPE_RESOURCES)');
}
