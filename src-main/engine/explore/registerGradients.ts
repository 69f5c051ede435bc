/**
 * tfjs-core registers its gradient functions only from dist/register_all_gradients.js,
 * an ES module with extensionless imports that plain Node cannot load and that
 * is not in the CommonJS build Node uses. A relative path (not the package
 * name) makes the bundler inline it into the engine worker; vitest loads it as
 * is. Loaded on the first gradient request only, so nothing else (the CLI under
 * tsx, which cannot resolve it) depends on it. Registrations land in tfjs's
 * global gradient registry, which every copy of tfjs-core shares.
 */
import { EngineError } from '../errors';

let loading: Promise<void> | undefined;

export function loadGradients(): Promise<void> {
  loading ??= import('../../../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js').then(
    () => undefined,
    (e: unknown) => {
      loading = undefined;
      throw new EngineError('GRADIENTS_UNAVAILABLE', `gradients are not available in this build of the engine: ${e instanceof Error ? e.message : String(e)}`);
    },
  );
  return loading;
}
