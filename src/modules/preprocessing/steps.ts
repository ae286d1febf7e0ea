import { PreprocessingOptions } from './options';
import { mean, meanStd, median, presentValues } from './statistics';

/**
 * What each step learns from one training column. Inputs are typed arrays in which `NaN`
 * marks a missing value; outputs are the plain numbers and strings that get serialised.
 */

export const OTHER_LABEL = '(other)';
export const MISSING_LABEL = '(missing)';

export interface Imputation {
  /** Replaces a missing value; 0 when the training column has no value at all. */
  readonly fill: number;
  readonly missing: number;
}

export function fitImputation(
  raw: Float64Array,
  strategy: PreprocessingOptions['numericImpute'],
): Imputation {
  const present = presentValues(raw);
  const fill = present.length === 0 ? 0 : strategy === 'median' ? median(present) : mean(present);

  return { fill, missing: raw.length - present.length };
}

/** A copy of `raw` with every `NaN` replaced by `fill`. */
export function impute(raw: Float64Array, fill: number): Float64Array {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] === raw[i] ? raw[i] : fill;

  return out;
}

export interface OutlierBounds {
  readonly mean: number;
  readonly std: number;
  readonly lower: number;
  readonly upper: number;
  /** Values strictly outside [lower, upper]. */
  readonly outside: number;
}

/** μ ± kσ of the imputed training values (population σ). */
export function fitOutlierBounds(imputed: Float64Array, sigma: number): OutlierBounds {
  const { mean: mu, std } = meanStd(imputed);
  const lower = mu - sigma * std;
  const upper = mu + sigma * std;
  let outside = 0;
  for (let i = 0; i < imputed.length; i++) {
    if (imputed[i] < lower || imputed[i] > upper) outside++;
  }

  return { mean: mu, std, lower, upper, outside };
}

/** `value` limited to [lower, upper]. */
export function clip(value: number, lower: number, upper: number): number {
  return value < lower ? lower : value > upper ? upper : value;
}

/** Mean and divisor for standardisation; a constant column divides by 1, not 0. */
export function fitScaling(values: Float64Array): { mean: number; std: number } {
  const { mean: mu, std } = meanStd(values);

  return { mean: mu, std: std > 0 ? std : 1 };
}

export interface BooleanFit {
  readonly fill: 0 | 1;
  readonly trueCount: number;
  readonly missing: number;
}

/** The most frequent of 0 and 1 (0 on a tie or without values) fills the gaps. */
export function fitBoolean(raw: Float64Array): BooleanFit {
  let trueCount = 0;
  let falseCount = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 1) trueCount++;
    else if (raw[i] === 0) falseCount++;
  }

  return {
    fill: trueCount > falseCount ? 1 : 0,
    trueCount,
    missing: raw.length - trueCount - falseCount,
  };
}

export interface CategoryFit {
  /** Kept categories, most frequent first and then by name (code-unit order). */
  readonly categories: string[];
  readonly counts: number[];
  /** Indexes into the input `values` of the kept categories, in the same order. */
  readonly keptIndexes: number[];
  readonly folded: string[];
  readonly foldedRows: number;
  readonly otherLabel: string | null;
  readonly missingLabel: string | null;
}

/**
 * Orders the distinct training categories (`values` with their row `counts`), keeps the
 * `maxCategories` most frequent and folds the rest into one bucket. A missing indicator
 * exists only with the `missing` strategy and when training had missing values. Bucket
 * names gain parentheses until they differ from every real category.
 */
export function fitCategories(args: {
  readonly values: readonly string[];
  readonly counts: ArrayLike<number>;
  readonly missing: number;
  readonly maxCategories: number;
  readonly strategy: PreprocessingOptions['categoricalImpute'];
}): CategoryFit {
  const { values, counts, missing, maxCategories, strategy } = args;
  const order = values
    .map((_, index) => index)
    .sort((a, b) => counts[b] - counts[a] || compareText(values[a], values[b]));

  const kept = order.slice(0, maxCategories);
  const rest = order.slice(maxCategories);
  let foldedRows = 0;
  for (const index of rest) foldedRows += counts[index];

  const taken = new Set(values);
  const otherLabel = rest.length > 0 ? bucketLabel(OTHER_LABEL, taken) : null;
  const missingLabel =
    strategy === 'missing' && missing > 0 ? bucketLabel(MISSING_LABEL, taken) : null;

  return {
    categories: kept.map((index) => values[index]),
    counts: kept.map((index) => counts[index]),
    keptIndexes: kept,
    folded: rest.map((index) => values[index]),
    foldedRows,
    otherLabel,
    missingLabel,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bucketLabel(label: string, taken: ReadonlySet<string>): string {
  let candidate = label;
  while (taken.has(candidate)) candidate = `(${candidate})`;

  return candidate;
}
