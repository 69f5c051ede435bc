/** timm's make_divisible: round channels to a multiple of `divisor` without losing more than 1 - roundLimit. */
export function makeDivisible(v: number, divisor = 8, minValue?: number, roundLimit = 0.9): number {
  const min = minValue ?? divisor;
  let next = Math.max(min, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < roundLimit * v) next += divisor;
  return next;
}
