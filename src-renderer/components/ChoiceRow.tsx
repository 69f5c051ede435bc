/** A labelled native <select> over a fixed list of string choices (the view's and settings' enums). */
export function ChoiceRow<T extends string>({
  label,
  testId,
  value,
  choices,
  labelOf = (c) => c,
  onChange,
  title,
}: {
  label: string;
  testId: string;
  value: T;
  choices: readonly T[];
  labelOf?: (choice: T) => string;
  onChange(choice: T): void;
  title?: string;
}) {
  return (
    <label className="row" title={title}>
      {label}
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {labelOf(c)}
          </option>
        ))}
      </select>
    </label>
  );
}
