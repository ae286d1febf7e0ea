import { UserError } from '../../../common/errors';
import {
  checkLabelledProbabilities,
  checkLabelledScores,
  countPositives,
  orderByScoreDescending,
} from './inputs';

/**
 * The measures every model version is judged by, the same for every plugin.
 *
 * Labels are 0/1; "scores" only need to rank rows, "probabilities" must lie in [0, 1].
 * Inputs are checked and a `UserError` is thrown for mismatched lengths, an empty input,
 * a label other than 0/1 or a non-finite value. A measure that is undefined when one class
 * is missing (AUC, average precision, lift …) returns `NaN` rather than throwing, so that
 * a caller can still compute the others; `evaluate` refuses such data instead, so that its
 * report holds only finite numbers.
 */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface DecileRow {
  /** 1 holds the highest-scoring tenth of the rows, 10 the lowest. */
  decile: number;
  customers: number;
  positives: number;
  /** positives / customers. */
  responseRate: number;
  /** responseRate / the positive rate of all rows. */
  lift: number;
  /** Positives in this decile and all higher ones. */
  cumulativePositives: number;
  /** cumulativePositives / all positives: the share of positives reached so far. */
  cumulativeGains: number;
  /** The response rate of this decile and all higher ones / the overall positive rate. */
  cumulativeLift: number;
  minScore: number;
  maxScore: number;
}

export interface CalibrationBin {
  /** The bin holds probabilities p with lower <= p < upper (the last bin also p = upper). */
  lower: number;
  upper: number;
  count: number;
  /** Mean probability of the bin's rows; null for an empty bin. */
  meanPredicted: number | null;
  /** Share of positives among the bin's rows; null for an empty bin. */
  observedRate: number | null;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
}

/** Everything `evaluate` measures, as plain JSON (finite numbers, arrays, null). */
export interface EvaluationReport {
  rows: number;
  positives: number;
  positiveRate: number;
  meanPredicted: number;
  /** Rows with probability >= threshold count as predicted positive. */
  threshold: number;
  accuracy: number;
  /** tp / (tp + fp); 0 when no row reaches the threshold. */
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  confusion: Confusion;
  deciles: DecileRow[];
  calibration: CalibrationBin[];
  expectedCalibrationError: number;
  /** The ROC curve, thinned to at most 200 points. */
  roc: RocPoint[];
}

/** Rows grouped by equal score, highest score first, with the count of each class. */
interface ScoreGroups {
  readonly count: number;
  readonly scores: Float64Array;
  readonly positives: Uint32Array;
  readonly negatives: Uint32Array;
  readonly totalPositives: number;
  readonly totalNegatives: number;
}

function groupByScore(
  labels: Uint8Array,
  scores: Float64Array,
  order = orderByScoreDescending(scores),
): ScoreGroups {
  const groupScores = new Float64Array(order.length);
  const positives = new Uint32Array(order.length);
  const negatives = new Uint32Array(order.length);

  let count = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k];
    if (k === 0 || scores[row] !== groupScores[count - 1]) {
      groupScores[count] = scores[row];
      count++;
    }
    if (labels[row] === 1) positives[count - 1]++;
    else negatives[count - 1]++;
  }

  const totalPositives = countPositives(labels);

  return {
    count,
    scores: groupScores,
    positives,
    negatives,
    totalPositives,
    totalNegatives: labels.length - totalPositives,
  };
}

/**
 * Area under the ROC curve: the probability that a random positive scores higher than a
 * random negative, a tied pair counting one half (the Mann–Whitney statistic with
 * average ranks). `NaN` when either class is missing.
 */
export function rocAuc(labels: Uint8Array, scores: Float64Array): number {
  checkLabelledScores(labels, scores);

  return aucOfGroups(groupByScore(labels, scores));
}

function aucOfGroups(groups: ScoreGroups): number {
  if (groups.totalPositives === 0 || groups.totalNegatives === 0) return NaN;

  let negativesBelow = groups.totalNegatives;
  let orderedPairs = 0;
  for (let g = 0; g < groups.count; g++) {
    negativesBelow -= groups.negatives[g];
    orderedPairs += groups.positives[g] * (negativesBelow + 0.5 * groups.negatives[g]);
  }

  return orderedPairs / (groups.totalPositives * groups.totalNegatives);
}

/**
 * Average precision, the area under the precision–recall curve as a step sum:
 * Σ (recallₖ − recallₖ₋₁) × precisionₖ over the distinct scores from highest to lowest,
 * where rows with equal scores enter together (scikit-learn's `average_precision_score`).
 * `NaN` when there is no positive.
 */
export function prAuc(labels: Uint8Array, scores: Float64Array): number {
  checkLabelledScores(labels, scores);

  return averagePrecisionOfGroups(groupByScore(labels, scores));
}

function averagePrecisionOfGroups(groups: ScoreGroups): number {
  if (groups.totalPositives === 0) return NaN;

  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let g = 0; g < groups.count; g++) {
    tp += groups.positives[g];
    fp += groups.negatives[g];
    area += (groups.positives[g] / groups.totalPositives) * (tp / (tp + fp));
  }

  return area;
}

const LOG_LOSS_EPSILON = 1e-15;

/**
 * Mean negative log-likelihood, −mean(y·ln p + (1 − y)·ln(1 − p)), with p clipped to
 * [1e-15, 1 − 1e-15] so that one confident mistake costs about 34.5 instead of infinity.
 */
export function logLoss(labels: Uint8Array, probabilities: Float64Array): number {
  checkLabelledProbabilities(labels, probabilities);

  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i], LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }

  return sum / labels.length;
}

/** Mean squared difference between probability and label, mean((p − y)²). */
export function brierScore(labels: Uint8Array, probabilities: Float64Array): number {
  checkLabelledProbabilities(labels, probabilities);

  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i] - labels[i]) ** 2;

  return sum / labels.length;
}

/**
 * The threshold t, among the probabilities that occur, for which "positive when p >= t"
 * has the highest F1 = 2·tp / (2·tp + fp + fn). On equal F1 the higher threshold wins,
 * since it flags fewer customers for the same quality. `NaN` when there is no positive.
 */
export function bestF1Threshold(labels: Uint8Array, probabilities: Float64Array): number {
  checkLabelledProbabilities(labels, probabilities);

  const groups = groupByScore(labels, probabilities);
  if (groups.totalPositives === 0) return NaN;

  let tp = 0;
  let fp = 0;
  let bestF1 = -1;
  let best = NaN;
  for (let g = 0; g < groups.count; g++) {
    tp += groups.positives[g];
    fp += groups.negatives[g];
    const f1 = (2 * tp) / (tp + fp + groups.totalPositives);
    if (f1 > bestF1) {
      bestF1 = f1;
      best = groups.scores[g];
    }
  }

  return best;
}

function checkThreshold(threshold: number): void {
  if (!Number.isFinite(threshold)) {
    throw new UserError(
      'evaluation_threshold_invalid',
      `The threshold must be a finite number; it is ${threshold}.`,
    );
  }
}

/** Counts of the confusion matrix when a row is predicted positive if p >= threshold. */
export function confusionAt(
  labels: Uint8Array,
  probabilities: Float64Array,
  threshold: number,
): Confusion {
  checkLabelledProbabilities(labels, probabilities);
  checkThreshold(threshold);

  const confusion: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = probabilities[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) confusion.tp++;
      else confusion.fn++;
    } else if (predicted) confusion.fp++;
    else confusion.tn++;
  }

  return confusion;
}

const DECILES = 10;

function checkDecileRows(rows: number): void {
  if (rows < DECILES) {
    throw new UserError(
      'evaluation_too_few_rows',
      `A decile table needs at least ${DECILES} rows; there are ${rows}.`,
    );
  }
}

/**
 * Response by score decile. Rows are ordered by score, highest first, and cut into ten
 * parts whose sizes differ by at most one (decile d holds positions ⌊(d−1)·n/10⌋ up to
 * ⌊d·n/10⌋). Equal scores that straddle a cut are divided by row order, so that each
 * decile keeps its tenth of the customers. Needs at least 10 rows; lift and gains are
 * `NaN` when there is no positive.
 */
export function decileTable(labels: Uint8Array, scores: Float64Array): DecileRow[] {
  checkLabelledScores(labels, scores);
  checkDecileRows(labels.length);

  return decilesInOrder(labels, scores, orderByScoreDescending(scores));
}

function decilesInOrder(labels: Uint8Array, scores: Float64Array, order: Uint32Array): DecileRow[] {
  const rows = labels.length;
  const totalPositives = countPositives(labels);
  const overallRate = totalPositives / rows;

  const table: DecileRow[] = [];
  let cumulativePositives = 0;
  for (let d = 1; d <= DECILES; d++) {
    const start = Math.floor(((d - 1) * rows) / DECILES);
    const end = Math.floor((d * rows) / DECILES);
    let positives = 0;
    for (let k = start; k < end; k++) positives += labels[order[k]];
    cumulativePositives += positives;

    const customers = end - start;
    const responseRate = positives / customers;
    table.push({
      decile: d,
      customers,
      positives,
      responseRate,
      lift: responseRate / overallRate,
      cumulativePositives,
      cumulativeGains: cumulativePositives / totalPositives,
      cumulativeLift: cumulativePositives / end / overallRate,
      minScore: scores[order[end - 1]],
      maxScore: scores[order[start]],
    });
  }

  return table;
}

/** Which of `bins` equal-width bins over [0, 1] holds p, agreeing exactly with the edges. */
function binOf(p: number, bins: number): number {
  let bin = Math.min(Math.floor(p * bins), bins - 1);
  // p × bins can round across an edge; the edges as reported (bin / bins) decide.
  if (p < bin / bins) bin--;
  else if (bin + 1 < bins && p >= (bin + 1) / bins) bin++;

  return bin;
}

/**
 * Reliability table: `bins` equal-width bins [0, 1/bins), …, [1 − 1/bins, 1], each with
 * its count, mean probability and observed share of positives. Empty bins are kept, with
 * null means, so that tables of different models line up.
 */
export function calibrationTable(
  labels: Uint8Array,
  probabilities: Float64Array,
  bins = 10,
): CalibrationBin[] {
  checkLabelledProbabilities(labels, probabilities);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new UserError(
      'evaluation_bins_invalid',
      `The number of calibration bins must be a positive integer; it is ${bins}.`,
    );
  }

  const counts = new Uint32Array(bins);
  const predictedSums = new Float64Array(bins);
  const positives = new Uint32Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const bin = binOf(probabilities[i], bins);
    counts[bin]++;
    predictedSums[bin] += probabilities[i];
    positives[bin] += labels[i];
  }

  return Array.from(counts, (count, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count,
    meanPredicted: count === 0 ? null : predictedSums[b] / count,
    observedRate: count === 0 ? null : positives[b] / count,
  }));
}

/**
 * Expected calibration error: Σ (countᵦ / n) × |meanPredictedᵦ − observedRateᵦ| over the
 * non-empty bins, i.e. the mean gap between promise and outcome, weighted by rows.
 * `NaN` for a table without rows.
 */
export function expectedCalibrationError(table: readonly CalibrationBin[]): number {
  let rows = 0;
  let weightedGap = 0;
  for (const bin of table) {
    if (bin.count === 0 || bin.meanPredicted === null || bin.observedRate === null) continue;
    rows += bin.count;
    weightedGap += bin.count * Math.abs(bin.meanPredicted - bin.observedRate);
  }

  return rows === 0 ? NaN : weightedGap / rows;
}

/**
 * The ROC curve: (false positive rate, true positive rate) after each distinct score,
 * from (0, 0) to (1, 1); equal scores make one diagonal step. When there are more than
 * `maxPoints` points, evenly spaced ones are kept, always with both ends. Empty when
 * either class is missing.
 */
export function rocCurve(labels: Uint8Array, scores: Float64Array, maxPoints = 200): RocPoint[] {
  checkLabelledScores(labels, scores);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new UserError(
      'evaluation_points_invalid',
      `A ROC curve needs at least 2 points (its two ends); ${maxPoints} were asked for.`,
    );
  }

  return curveOfGroups(groupByScore(labels, scores), maxPoints);
}

function curveOfGroups(groups: ScoreGroups, maxPoints: number): RocPoint[] {
  if (groups.totalPositives === 0 || groups.totalNegatives === 0) return [];

  const curve: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < groups.count; g++) {
    tp += groups.positives[g];
    fp += groups.negatives[g];
    curve.push({ fpr: fp / groups.totalNegatives, tpr: tp / groups.totalPositives });
  }
  if (curve.length <= maxPoints) return curve;

  const step = (curve.length - 1) / (maxPoints - 1);

  return Array.from({ length: maxPoints }, (_, k) => curve[Math.round(k * step)]);
}

/**
 * Every measure of one model version on one labelled set, as plain JSON. Both classes
 * must occur and there must be at least 10 rows, otherwise a `UserError` is thrown: a
 * report with undefined AUC or lift would look valid while saying nothing.
 */
export function evaluate(args: {
  readonly labels: Uint8Array;
  readonly probabilities: Float64Array;
  readonly threshold: number;
}): EvaluationReport {
  const { labels, probabilities, threshold } = args;
  checkLabelledProbabilities(labels, probabilities);
  checkThreshold(threshold);
  checkDecileRows(labels.length);

  const rows = labels.length;
  const positives = countPositives(labels);
  if (positives === 0 || positives === rows) {
    throw new UserError(
      'evaluation_single_class',
      `The evaluation rows must hold both classes; all ${rows} are ` +
        `${positives === 0 ? 'negative' : 'positive'}.`,
      422,
    );
  }

  let predictedSum = 0;
  for (let i = 0; i < rows; i++) predictedSum += probabilities[i];

  const confusion = confusionAt(labels, probabilities, threshold);
  const { tp, fp, tn, fn } = confusion;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp / positives;
  const calibration = calibrationTable(labels, probabilities);
  // One ordering serves the AUC, the average precision, the ROC curve and the deciles.
  const order = orderByScoreDescending(probabilities);
  const groups = groupByScore(labels, probabilities, order);

  return {
    rows,
    positives,
    positiveRate: positives / rows,
    meanPredicted: predictedSum / rows,
    threshold,
    accuracy: (tp + tn) / rows,
    precision,
    recall,
    f1: (2 * tp) / (2 * tp + fp + fn),
    rocAuc: aucOfGroups(groups),
    prAuc: averagePrecisionOfGroups(groups),
    logLoss: logLoss(labels, probabilities),
    brier: brierScore(labels, probabilities),
    confusion,
    deciles: decilesInOrder(labels, probabilities, order),
    calibration,
    expectedCalibrationError: expectedCalibrationError(calibration),
    roc: curveOfGroups(groups, 200),
  };
}
