import { describe, expect, it } from 'vitest';
import { formatInputSize, parseInputSize } from './inputSizeText';

describe('input-size text', () => {
  it.each([
    ['224', 224],
    [' 320 ', 320],
    ['241x199', [241, 199]],
    ['241×199', [241, 199]],
    ['241 X 199', [241, 199]],
    ['241,199', [241, 199]],
    ['', undefined],
  ])('%j → %j', (text, size) => {
    expect(parseInputSize(text)).toEqual({ ok: true, size });
  });

  it.each(['241 by 199', '-3', '2x3x4', '1.5', 'x199'])('%j is refused with the text named', (text) => {
    const r = parseInputSize(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(text.trim().slice(0, 20));
  });

  it('formats back to what parses to the same size', () => {
    for (const s of [224, [241, 199] as [number, number], undefined]) {
      const r = parseInputSize(formatInputSize(s));
      expect(r).toEqual({ ok: true, size: s });
    }
  });
});
