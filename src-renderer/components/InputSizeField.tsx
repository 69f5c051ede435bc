import { useEffect, useState } from 'react';
import { inputHW, type InputSize } from '../../src-shared/contract';
import { inputSizeProblem, inputSizeRuleText, type InputSizeRule } from '../../src-shared/inputSizeRule';
import { formatInputSize, parseInputSize } from '../view/inputSizeText';

/**
 * "224" or "241x199" (H×W); text that is not a size, or a size the model cannot run (its
 * input-size rule), stays in the field, marked, and changes nothing.
 */
export function InputSizeField({
  value,
  placeholder,
  rule,
  onChange,
}: {
  value: InputSize | undefined;
  placeholder: string;
  rule?: InputSizeRule;
  onChange(size: InputSize | undefined): void;
}) {
  const [text, setText] = useState(formatInputSize(value));
  const [error, setError] = useState<string>();
  // A size set elsewhere (a session file, a lesson) replaces what the field shows.
  useEffect(() => {
    setText((t) => {
      const parsed = parseInputSize(t);
      return parsed.ok && formatInputSize(parsed.size) === formatInputSize(value) ? t : formatInputSize(value);
    });
  }, [value]);
  return (
    <label className="row" title="N for N×N, or H×W (e.g. 241x199); empty: the model's pretrained input size">
      input size
      <input
        data-testid="input-size"
        type="text"
        inputMode="numeric"
        size={9}
        placeholder={placeholder}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'input-size-error' : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseInputSize(e.target.value);
          const problem = parsed.ok && parsed.size !== undefined && rule ? inputSizeProblem(rule, inputHW(parsed.size)) : undefined;
          setError(parsed.ok ? problem : parsed.reason);
          if (parsed.ok && !problem) onChange(parsed.size);
        }}
      />
      {rule && (
        <span className="muted small" data-testid="input-size-rule">
          {' '}
          this model runs {inputSizeRuleText(rule)}
        </span>
      )}
      {error && (
        <span id="input-size-error" className="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}
