/** The engine's side of a model's InputSizeRule: refuse before any work, naming sides that fit. */
import { inputSizeProblem, type InputSizeRule } from '../../../src-shared/inputSizeRule';
import { EngineError } from '../errors';

export function assertInputFits(rule: InputSizeRule, hw: readonly [number, number]): void {
  const problem = inputSizeProblem(rule, hw);
  if (problem) throw new EngineError('BAD_INPUT_SIZE', problem, { inputSize: [hw[0], hw[1]], rule });
}
