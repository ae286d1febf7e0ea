/**
 * The population stability index (PSI) of a feature or of the scores: how far the shares
 * of today's customers over a fixed set of bins have moved from the shares of the model's
 * training rows over the same bins,
 *
 *   PSI = Σ (actualᵢ − expectedᵢ) × ln(actualᵢ / expectedᵢ),
 *
 * with a share of 0 replaced by a small epsilon so that an empty bin counts as a large
 * move rather than an infinite one. Usual reading: below 0.1 stable, 0.1 to 0.2 a moderate
 * shift, above 0.2 a shift worth retraining for.
 *
 * Bins come from the training rows only. A numeric feature gets up to 10 quantile bins
 * (fewer when values repeat) plus one for missing values; a categorical one gets one bin per
 * category seen in training (the 50 most frequent), one for categories never seen and one
 * for missing values.
 */

export const PSI_BINS = 10;
export const PSI_EPSILON = 1e-4;
export const MAX_CATEGORIES = 50;

/** Bins `(−∞, cuts[0]]`, `(cuts[0], cuts[1]]`, …, `(cuts[last], ∞)`, then missing. */
export interface NumericReference {
  readonly kind: 'numeric';
  readonly cuts: number[];
  /** Share of the training rows in each bin, the missing bin last. */
  readonly shares: number[];
}

/** One bin per category, then one for categories not seen in training, then missing. */
export interface CategoricalReference {
  readonly kind: 'categorical';
  readonly categories: string[];
  readonly shares: number[];
}

export type BinReference = NumericReference | CategoricalReference;

/**
 * Cut points between `bins` quantile bins of the finite values: the k-th cut is the value at
 * rank ⌈k·n/bins⌉ of the sorted values (k = 1 … bins − 1), repeated cuts kept once. So
 * 1, 2, …, 100 gives the cuts 10, 20, …, 90 and ten bins of ten values each.
 */
export function quantileCuts(values: ArrayLike<number>, bins = PSI_BINS): number[] {
  const sorted = Float64Array.from(Array.from(values).filter(Number.isFinite)).sort();
  const n = sorted.length;
  const cuts: number[] = [];
  if (n === 0) {
    return cuts;
  }
  for (let k = 1; k < bins; k++) {
    const cut = sorted[Math.ceil((k * n) / bins) - 1];
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]) {
      cuts.push(cut);
    }
  }

  return cuts;
}

/** The bin of a numeric value: the number of cuts below it; `NaN` goes to the missing bin. */
export function numericBin(value: number, cuts: readonly number[]): number {
  if (!Number.isFinite(value)) {
    return cuts.length + 1;
  }
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cuts[mid] < value) low = mid + 1;
    else high = mid;
  }

  return low;
}

/** The bin of a category: its own, the unseen-category bin, or the missing bin for `null`. */
export function categoricalBin(value: string | null, index: ReadonlyMap<string, number>): number {
  if (value === null) {
    return index.size + 1;
  }

  return index.get(value) ?? index.size;
}

/** Counts as shares of their total; all zero when there is nothing to count. */
export function sharesOf(counts: ArrayLike<number>): number[] {
  const all = Array.from(counts);
  const total = all.reduce((sum, c) => sum + c, 0);

  return all.map((c) => (total === 0 ? 0 : c / total));
}

/** Bins and shares of a numeric feature's training values (`NaN` for a missing value). */
export function numericReference(values: ArrayLike<number>, bins = PSI_BINS): NumericReference {
  const cuts = quantileCuts(values, bins);
  const counts = new Array<number>(cuts.length + 2).fill(0);
  for (let i = 0; i < values.length; i++) counts[numericBin(values[i], cuts)]++;

  return { kind: 'numeric', cuts, shares: sharesOf(counts) };
}

/**
 * Bins and shares of a categorical feature's training values (`null` for a missing value):
 * the `maxCategories` most frequent categories, ties in name order; rarer ones share the
 * unseen-category bin.
 */
export function categoricalReference(
  values: readonly (string | null)[],
  maxCategories = MAX_CATEGORIES,
): CategoricalReference {
  const frequency = new Map<string, number>();
  for (const value of values) {
    if (value !== null) frequency.set(value, (frequency.get(value) ?? 0) + 1);
  }
  const categories = [...frequency.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxCategories)
    .map(([value]) => value);
  const index = new Map(categories.map((value, i) => [value, i]));
  const counts = new Array<number>(categories.length + 2).fill(0);
  for (const value of values) counts[categoricalBin(value, index)]++;

  return { kind: 'categorical', categories, shares: sharesOf(counts) };
}

/**
 * Σ (aᵢ − eᵢ) ln(aᵢ / eᵢ) over the bins, each share of 0 taken as `epsilon`. A bin empty
 * on both sides adds nothing.
 *
 * @throws Error when the two lists differ in length (a programming error, not a user's).
 */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = PSI_EPSILON,
): number {
  if (expected.length !== actual.length) {
    throw new Error(`PSI needs bins that line up: ${expected.length} expected, ${actual.length}.`);
  }
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] > 0 ? expected[i] : epsilon;
    const a = actual[i] > 0 ? actual[i] : epsilon;
    psi += (a - e) * Math.log(a / e);
  }

  return psi;
}

/** Counts today's values into a reference's bins, one value at a time. */
export class BinTally {
  private readonly counts: number[];
  private readonly index: ReadonlyMap<string, number> | null;

  constructor(readonly reference: BinReference) {
    this.counts = new Array<number>(reference.shares.length).fill(0);
    this.index =
      reference.kind === 'categorical'
        ? new Map(reference.categories.map((value, i) => [value, i]))
        : null;
  }

  /** A number for a numeric reference (`NaN` when missing); text or `null` otherwise. */
  add(value: number | string | null): void {
    const bin =
      this.reference.kind === 'numeric'
        ? numericBin(typeof value === 'number' ? value : NaN, this.reference.cuts)
        : categoricalBin(
            typeof value === 'string' ? value : null,
            this.index as Map<string, number>,
          );
    this.counts[bin]++;
  }

  get rows(): number {
    return this.counts.reduce((sum, c) => sum + c, 0);
  }

  shares(): number[] {
    return sharesOf(this.counts);
  }

  /** The PSI of the values added so far against the reference. */
  psi(epsilon = PSI_EPSILON): number {
    return populationStabilityIndex(this.reference.shares, this.shares(), epsilon);
  }
}
