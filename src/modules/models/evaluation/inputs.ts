import { UserError } from '../../../common/errors';

/**
 * Checks shared by the splits, metrics and calibrators. Each throws a `UserError` that
 * names the first offending position, so a caller can find the bad row.
 */

/** Every label must be 0 or 1. */
export function checkLabels(labels: Uint8Array): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1) {
      throw new UserError(
        'evaluation_label_invalid',
        `Labels must be 0 or 1; labels[${i}] is ${labels[i]}.`,
        400,
        [{ path: `labels[${i}]`, message: 'must be 0 or 1' }],
      );
    }
  }
}

/** Scores only need an order, so any finite number will do. */
export function checkScores(scores: Float64Array, name = 'scores'): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new UserError(
        'evaluation_score_invalid',
        `Scores must be finite numbers; ${name}[${i}] is ${scores[i]}.`,
        400,
        [{ path: `${name}[${i}]`, message: 'must be a finite number' }],
      );
    }
  }
}

/** Probabilities must be finite and within [0, 1]. */
export function checkProbabilities(probabilities: Float64Array, name = 'probabilities'): void {
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) {
      throw new UserError(
        'evaluation_probability_invalid',
        `Probabilities must be finite numbers in [0, 1]; ${name}[${i}] is ${p}.`,
        400,
        [{ path: `${name}[${i}]`, message: 'must be a number in [0, 1]' }],
      );
    }
  }
}

/** Labels and values must pair up one to one, and there must be at least one row. */
export function checkPaired(labels: Uint8Array, values: Float64Array, name: string): void {
  if (labels.length !== values.length) {
    throw new UserError(
      'evaluation_length_mismatch',
      `There are ${labels.length} labels but ${values.length} ${name}; they must pair up.`,
    );
  }
  if (labels.length === 0) {
    throw new UserError('evaluation_empty', `There are no rows to evaluate.`);
  }

  checkLabels(labels);
}

export function checkLabelledScores(labels: Uint8Array, scores: Float64Array): void {
  checkPaired(labels, scores, 'scores');
  checkScores(scores);
}

export function checkLabelledProbabilities(labels: Uint8Array, probabilities: Float64Array): void {
  checkPaired(labels, probabilities, 'probabilities');
  checkProbabilities(probabilities);
}

export function countPositives(labels: Uint8Array): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];

  return positives;
}

/** Row indexes ordered by score, highest first; equal scores keep their row order. */
export function orderByScoreDescending(scores: Float64Array): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;

  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}
