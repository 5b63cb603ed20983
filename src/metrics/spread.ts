/**
 * The middle and the spread of a list of durations: median (p50), p90, the
 * extremes and the count. Quantiles interpolate linearly between the two
 * nearest ranks (Hyndman-Fan type 7, what numpy and spreadsheets use), so the
 * median of an even count is the mean of the middle two.
 */
export interface Spread {
  n: number;
  p50: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

export function spreadOf(values: number[]): Spread {
  if (!values.length) return { n: 0, p50: null, p90: null, min: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

/** `q` in [0, 1] of an ascending, non-empty list. */
export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: number[]): number | null {
  return spreadOf(values).p50;
}
