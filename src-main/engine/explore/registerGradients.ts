/**
 * tfjs-core registers its gradient functions only from dist/register_all_gradients.js,
 * an ES module with extensionless imports that Node cannot load and that is not
 * in the CommonJS build Node uses. A relative path (not the package name) makes
 * the bundler inline it into the engine worker; under tsx and vitest it loads as
 * is. The registrations land in tfjs's global gradient registry, which every copy
 * of tfjs-core shares, so the engine's tfjs sees them.
 */
import '../../../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js';
