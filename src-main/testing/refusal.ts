import { expect } from 'vitest';
import { EngineError } from '../engine/errors';

/** Runs fn, expects it to refuse with an EngineError, and returns that error for more checks. */
export function refusal(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError, got a result');
}

/** The same for an async call. */
export async function asyncRefusal(fn: () => Promise<unknown>): Promise<EngineError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError, got a result');
}
