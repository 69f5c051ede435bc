/**
 * Which input sides a model runs, where not every side in the app's range does
 * (timm raises inside the forward for the others). One rule, read by the engine
 * (refusal before any work, with sizes that would fit) and by the UI (the
 * input-size field says it and checks it as you type).
 */
export interface InputSizeRule {
  /** The smallest side (Inception-V3: its unpadded convs leave Mixed_7a no pixel below 75). */
  minSide?: number;
  /**
   * A side n runs when ⌈n / stride⌉ is a multiple of `multiple` (HRNet: 4 and 8, its fuse
   * layers add ×2…×8 upsampled maps to the stride-4 branch; DLA: 2 and 16).
   */
  sides?: { stride: number; multiple: number };
  /** Why, in a few words: the sentence's subject is the model's mechanism. */
  why: string;
}

export function sideFits(rule: InputSizeRule, n: number): boolean {
  if (rule.minSide !== undefined && n < rule.minSide) return false;
  return !rule.sides || Math.ceil(n / rule.sides.stride) % rule.sides.multiple === 0;
}

/** The sides nearest to n that fit (below and above; one when n fits or nothing fits below). */
export function nearestFittingSides(rule: InputSizeRule, n: number, max = 2048): number[] {
  if (sideFits(rule, n)) return [n];
  const out: number[] = [];
  for (let d = n - 1; d >= (rule.minSide ?? 1); d--) if (sideFits(rule, d)) { out.push(d); break; }
  for (let u = n + 1; u <= max; u++) if (sideFits(rule, u)) { out.push(u); break; }
  return out;
}

/** The rule in words: "at least 75 px a side", "⌈side / 4⌉ a multiple of 8 (e.g. 224, 256, 64)". */
export function inputSizeRuleText(rule: InputSizeRule): string {
  const parts: string[] = [];
  if (rule.minSide !== undefined) parts.push(`at least ${rule.minSide} px a side`);
  if (rule.sides) {
    const { stride, multiple } = rule.sides;
    const examples = [224, 256, 64].map((n) => nearestFittingSides(rule, n).at(-1)).filter((n, i, a) => n !== undefined && a.indexOf(n) === i);
    parts.push(`⌈side / ${stride}⌉ a multiple of ${multiple} (e.g. ${examples.join(', ')})`);
  }
  return `${parts.join('; ')}: ${rule.why}`;
}

/** Why [h, w] does not fit, naming the nearest sides that do; undefined when it fits. */
export function inputSizeProblem(rule: InputSizeRule, hw: readonly [number, number]): string | undefined {
  const bad = [...new Set(hw.filter((n) => !sideFits(rule, n)))];
  if (!bad.length) return undefined;
  const near = bad.map((n) => `${n} → ${nearestFittingSides(rule, n).join(' or ')}`).join('; ');
  return `input size ${hw[0]}×${hw[1]} does not fit: ${inputSizeRuleText(rule)}. Nearest sides that fit: ${near}`;
}
