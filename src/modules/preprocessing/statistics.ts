/**
 * Summary statistics over typed arrays. `NaN` marks a missing value wherever it may occur.
 */

/** The values that are not `NaN`, in order, as a new array. */
export function presentValues(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) count++;
  const present = new Float64Array(count);
  let next = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === value) present[next++] = value;
  }

  return present;
}

/** Arithmetic mean; `NaN` for no values. */
export function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];

  return values.length === 0 ? NaN : sum / values.length;
}

/** Middle value, or the mean of the two middle values for an even count; `NaN` for none. */
export function median(values: Float64Array): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;

  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface MeanStd {
  readonly mean: number;
  /** Population standard deviation (divided by n, as scikit-learn's StandardScaler). */
  readonly std: number;
}

/**
 * Mean and population standard deviation in two passes. A constant column gets exactly
 * its value and 0, so that bounds built from them never exclude the value itself.
 */
export function meanStd(values: Float64Array): MeanStd {
  if (values.length === 0) return { mean: NaN, std: NaN };
  let min = values[0];
  let max = values[0];
  for (let i = 1; i < values.length; i++) {
    const value = values[i];
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min === max) return { mean: min, std: 0 };

  const m = mean(values);
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const deviation = values[i] - m;
    squares += deviation * deviation;
  }

  return { mean: m, std: Math.sqrt(squares / values.length) };
}

/**
 * The digamma function ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x lifts x above
 * 10, where the asymptotic series is accurate to double precision.
 */
export function digamma(x: number): number {
  let shift = 0;
  let z = x;
  while (z < 10) {
    shift -= 1 / z;
    z += 1;
  }
  const inv = 1 / z;
  const inv2 = inv * inv;
  const series =
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));

  return shift + Math.log(z) - 0.5 * inv - series;
}
