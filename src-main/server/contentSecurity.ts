/**
 * The renderer's Content-Security-Policy, shared by web mode and Electron.
 * No inline script; 'wasm-unsafe-eval' is absent because the renderer runs no
 * WASM (inference happens in the engine process).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
