/** The input-size field's text: "224" is 224×224, "241x199" (or 241×199, 241,199) is H×W, empty is the model's own. */
import type { InputSize } from '../../src-shared/contract';

export type ParsedInputSize = { ok: true; size: InputSize | undefined } | { ok: false; reason: string };

export function parseInputSize(text: string): ParsedInputSize {
  const t = text.trim();
  if (t === '') return { ok: true, size: undefined };
  if (/^\d+$/.test(t)) return { ok: true, size: Number(t) };
  const m = /^(\d+)\s*[x×,]\s*(\d+)$/i.exec(t);
  if (m) return { ok: true, size: [Number(m[1]), Number(m[2])] };
  return { ok: false, reason: `'${t.slice(0, 20)}' is not a size: type N (N×N) or H×W, e.g. 224 or 241x199` };
}

export function formatInputSize(size: InputSize | undefined): string {
  if (size === undefined) return '';
  return typeof size === 'number' ? String(size) : `${size[0]}x${size[1]}`;
}
