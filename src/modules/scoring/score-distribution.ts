import { DECILE_COUNT } from './deciles';

/** How one decile fared in a scoring run. */
export interface DecileShare {
  readonly decile: number;
  readonly customers: number;
  /** customers / all customers scored; 0 when none were. */
  readonly share: number;
  /** Mean probability of the decile's customers; null when it holds none. */
  readonly meanProbability: number | null;
}

/** The distribution of a run's scores, as stored with the run. */
export interface ScoreDistribution {
  readonly customers: number;
  /** Mean probability of every customer scored; null when none were. */
  readonly meanProbability: number | null;
  readonly minProbability: number | null;
  readonly maxProbability: number | null;
  /** Deciles 1 to 10, always all ten. */
  readonly deciles: readonly DecileShare[];
}

/**
 * Adds up scores batch by batch in constant memory: counts and sums per decile, nothing per
 * customer, so a run of any size keeps the same few numbers.
 */
export class ScoreTally {
  private readonly counts = new Float64Array(DECILE_COUNT);
  private readonly sums = new Float64Array(DECILE_COUNT);
  private min = Infinity;
  private max = -Infinity;

  /** `deciles[i]` (1 to 10) is the decile of `probabilities[i]`. */
  add(probabilities: Float64Array, deciles: Uint8Array): void {
    if (probabilities.length !== deciles.length) {
      throw new Error(`Got ${deciles.length} deciles for ${probabilities.length} probabilities.`);
    }
    for (let i = 0; i < probabilities.length; i++) {
      const d = deciles[i] - 1;
      const p = probabilities[i];
      this.counts[d]++;
      this.sums[d] += p;
      if (p < this.min) this.min = p;
      if (p > this.max) this.max = p;
    }
  }

  summary(): ScoreDistribution {
    let customers = 0;
    let sum = 0;
    for (let d = 0; d < DECILE_COUNT; d++) {
      customers += this.counts[d];
      sum += this.sums[d];
    }
    const deciles = Array.from({ length: DECILE_COUNT }, (_, d) => ({
      decile: d + 1,
      customers: this.counts[d],
      share: customers > 0 ? this.counts[d] / customers : 0,
      meanProbability: this.counts[d] > 0 ? this.sums[d] / this.counts[d] : null,
    }));

    return {
      customers,
      meanProbability: customers > 0 ? sum / customers : null,
      minProbability: customers > 0 ? this.min : null,
      maxProbability: customers > 0 ? this.max : null,
      deciles,
    };
  }
}
