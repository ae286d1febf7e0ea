/**
 * Gaussian naive Bayes for two classes. Each class c has a prior πc and, per feature j, a
 * normal distribution N(μcj, σ²cj); features are taken as independent given the class, so
 *
 *   log-odds(x) = log(π₁/π₀) + Σⱼ [log N(xⱼ | μ₁ⱼ, σ²₁ⱼ) − log N(xⱼ | μ₀ⱼ, σ²₀ⱼ)].
 *
 * Everything stays in logarithms: a product of densities underflows to 0 after a few dozen
 * features, while the sum of their logarithms does not. The sum's terms are also each
 * feature's exact contribution to the log-odds.
 */
import type { FeatureMatrix } from 'bullseye/plugin';

export interface ClassDensity {
  readonly logPrior: number;
  readonly means: Float64Array;
  readonly variances: Float64Array;
}

/** The fitted model: one density per class, negatives first. */
export interface GaussianFit {
  readonly classes: readonly [ClassDensity, ClassDensity];
}

export interface GaussianOptions {
  /** Added to every variance, as a share of the largest feature variance. */
  readonly varSmoothing: number;
  /** `fitted`: the classes' weighted shares; `uniform`: one half each. */
  readonly priors: 'fitted' | 'uniform';
}

/** Weighted means and variances per class, in two passes over the rows. */
export function fitGaussian(
  features: FeatureMatrix,
  labels: Uint8Array,
  weights: Float64Array,
  options: GaussianOptions,
): GaussianFit {
  const { rows, cols, values } = features;
  const totals = [0, 0];
  const sums = [new Float64Array(cols), new Float64Array(cols)];
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    totals[c] += weights[i];
    for (let j = 0; j < cols; j++) sums[c][j] += weights[i] * values[i * cols + j];
  }
  const means = sums.map((s, c) => s.map((v) => v / totals[c]));

  const squares = [new Float64Array(cols), new Float64Array(cols)];
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    for (let j = 0; j < cols; j++) {
      const deviation = values[i * cols + j] - means[c][j];
      squares[c][j] += weights[i] * deviation * deviation;
    }
  }

  // A feature constant within a class would get a zero variance and an infinite density.
  const largest = largestVariance(features, weights);
  const epsilon = options.varSmoothing * (largest > 0 ? largest : 1);
  const total = totals[0] + totals[1];
  const density = (c: 0 | 1): ClassDensity => ({
    logPrior: Math.log(options.priors === 'uniform' ? 0.5 : totals[c] / total),
    means: means[c],
    variances: squares[c].map((s) => s / totals[c] + epsilon),
  });

  return { classes: [density(0), density(1)] };
}

/** Each feature's term of the log-odds, row-major; the prior ratio is left out. */
export function logOddsTerms(fit: GaussianFit, features: FeatureMatrix): Float64Array {
  const { rows, cols, values } = features;
  const [negative, positive] = fit.classes;
  const constant = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    constant[j] = -0.5 * Math.log(positive.variances[j] / negative.variances[j]);
  }

  const terms = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = values[i * cols + j];
      const away1 = x - positive.means[j];
      const away0 = x - negative.means[j];
      terms[i * cols + j] =
        constant[j] -
        (away1 * away1) / (2 * positive.variances[j]) +
        (away0 * away0) / (2 * negative.variances[j]);
    }
  }

  return terms;
}

/** P(y = 1 | x) per row, from the log-odds without overflow for any finite value. */
export function positiveProbabilities(fit: GaussianFit, features: FeatureMatrix): Float64Array {
  const { rows, cols } = features;
  const terms = logOddsTerms(fit, features);
  const priorRatio = fit.classes[1].logPrior - fit.classes[0].logPrior;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = priorRatio;
    for (let j = 0; j < cols; j++) z += terms[i * cols + j];
    out[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  return out;
}

function largestVariance(features: FeatureMatrix, weights: Float64Array): number {
  const { rows, cols, values } = features;
  let total = 0;
  const sums = new Float64Array(cols);
  const squares = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    total += weights[i];
    for (let j = 0; j < cols; j++) {
      const v = values[i * cols + j];
      sums[j] += weights[i] * v;
      squares[j] += weights[i] * v * v;
    }
  }
  let largest = 0;
  for (let j = 0; j < cols; j++) {
    const mean = sums[j] / total;
    largest = Math.max(largest, squares[j] / total - mean * mean);
  }

  return largest;
}
