/**
 * An error meant for the user: a stable code, a message that names the bad
 * value and what is allowed, and details. It crosses the contract as
 * { code, message, details }.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
