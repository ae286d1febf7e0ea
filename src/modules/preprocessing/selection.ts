import { createRandom } from '../../common/random';
import { FeatureMatrix } from '../../plugins/contract';
import { digamma, meanStd } from './statistics';

/**
 * Univariate feature scores against binary labels, and SelectKBest over them. A higher score
 * means a stronger relation with the label. Where a score is undefined (a feature that is
 * constant or all zero, a label with one class) it is 0, so such a feature ranks last.
 */

/** Counts of the two classes in `labels` (anything but 1 counts as 0). */
function classCounts(labels: Uint8Array): [number, number] {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;

  return [labels.length - positives, positives];
}

function checkShape(matrix: FeatureMatrix, labels: Uint8Array): void {
  if (labels.length !== matrix.rows) {
    throw new Error(`Got ${labels.length} labels for ${matrix.rows} feature rows.`);
  }
}

/**
 * A non-negative copy for chi²: the columns flagged in `rescale` are min–max scaled to
 * [0, 1] (a constant column becomes 0); the others, indicators already in {0, 1}, are kept.
 */
export function minMaxView(matrix: FeatureMatrix, rescale: readonly boolean[]): FeatureMatrix {
  const { rows, cols, values } = matrix;
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const value = values[i * cols + j];
      if (value < min[j]) min[j] = value;
      if (value > max[j]) max[j] = value;
    }
  }

  const out = new Float64Array(values.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const at = i * cols + j;
      const range = max[j] - min[j];
      out[at] = !rescale[j] ? values[at] : range > 0 ? (values[at] - min[j]) / range : 0;
    }
  }

  return { rows, cols, values: out };
}

/**
 * Pearson's chi² of each (non-negative) feature against the class, as scikit-learn's
 * `chi2`: per class, the observed feature sum is compared with the sum expected if the
 * feature were independent of the class (the feature's total times the class's share),
 * and Σ (observed − expected)² / expected is taken over the two classes.
 */
export function chi2Scores(matrix: FeatureMatrix, labels: Uint8Array): Float64Array {
  checkShape(matrix, labels);
  const { rows, cols, values } = matrix;
  const [negatives, positives] = classCounts(labels);
  const positiveSums = new Float64Array(cols);
  const totals = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const positive = labels[i] === 1;
    for (let j = 0; j < cols; j++) {
      const value = values[i * cols + j];
      totals[j] += value;
      if (positive) positiveSums[j] += value;
    }
  }

  const scores = new Float64Array(cols);
  if (negatives === 0 || positives === 0) return scores;
  for (let j = 0; j < cols; j++) {
    if (totals[j] <= 0) continue;
    const expectedPositive = (totals[j] * positives) / rows;
    const expectedNegative = (totals[j] * negatives) / rows;
    const observedPositive = positiveSums[j];
    const observedNegative = totals[j] - positiveSums[j];
    scores[j] =
      (observedPositive - expectedPositive) ** 2 / expectedPositive +
      (observedNegative - expectedNegative) ** 2 / expectedNegative;
  }

  return scores;
}

/**
 * The one-way ANOVA F statistic of each feature across the two classes, as scikit-learn's
 * `f_classif`: (between-class sum of squares / (classes − 1)) divided by (within-class sum
 * of squares / (rows − classes)). A feature that separates the classes perfectly (no
 * within-class spread) scores `Infinity`.
 */
export function anovaFScores(matrix: FeatureMatrix, labels: Uint8Array): Float64Array {
  checkShape(matrix, labels);
  const { rows, cols, values } = matrix;
  const counts = classCounts(labels);
  const scores = new Float64Array(cols);
  if (counts[0] === 0 || counts[1] === 0 || rows <= 2) return scores;

  const sums = [new Float64Array(cols), new Float64Array(cols)];
  for (let i = 0; i < rows; i++) {
    const classSums = sums[labels[i] === 1 ? 1 : 0];
    for (let j = 0; j < cols; j++) classSums[j] += values[i * cols + j];
  }
  const means = sums.map((classSums, c) => classSums.map((sum) => sum / counts[c]));

  const within = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const classMeans = means[labels[i] === 1 ? 1 : 0];
    for (let j = 0; j < cols; j++) {
      const deviation = values[i * cols + j] - classMeans[j];
      within[j] += deviation * deviation;
    }
  }

  for (let j = 0; j < cols; j++) {
    const grandMean = (sums[0][j] + sums[1][j]) / rows;
    const between =
      counts[0] * (means[0][j] - grandMean) ** 2 + counts[1] * (means[1][j] - grandMean) ** 2;
    const withinMeanSquare = within[j] / (rows - 2);
    if (withinMeanSquare > 0) scores[j] = between / withinMeanSquare;
    else if (between > 0) scores[j] = Infinity;
  }

  return scores;
}

/** Neighbours used by the nearest-neighbour estimate, as scikit-learn's default. */
const MI_NEIGHBOURS = 3;

/** Fixed, so that the same training data always gives the same scores. */
const MI_NOISE_SEED = 'bullseye-mutual-info';

/**
 * Mutual information (in nats) between each feature and the label. Columns flagged
 * `discrete` (indicators, booleans) use the exact value from the contingency table; the
 * others use the nearest-neighbour estimate of Ross (2014) with 3 neighbours, after scaling
 * to unit variance and adding a tiny seeded jitter to break ties, as scikit-learn's
 * `mutual_info_classif` does. Negative estimates are reported as 0.
 */
export function mutualInfoScores(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  discrete: readonly boolean[],
): Float64Array {
  checkShape(matrix, labels);
  const { rows, cols, values } = matrix;
  const scores = new Float64Array(cols);
  const random = createRandom(MI_NOISE_SEED);
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) column[i] = values[i * cols + j];
    scores[j] = discrete[j]
      ? discreteMutualInfo(column, labels)
      : continuousMutualInfo(jitter(column, random.normal), labels);
  }

  return scores;
}

/** I(X; Y) = Σ p(x, y) · ln(p(x, y) / (p(x) p(y))) over the observed values of X. */
export function discreteMutualInfo(column: Float64Array, labels: Uint8Array): number {
  const joint = jointCounts(column, labels);
  const n = column.length;
  const classes = classCounts(labels);
  let information = 0;
  for (const cell of joint) {
    const valueCount = cell[0] + cell[1];
    for (let c = 0; c < 2; c++) {
      if (cell[c] === 0) continue;
      information += (cell[c] / n) * Math.log((cell[c] * n) / (valueCount * classes[c]));
    }
  }

  return Math.max(0, information);
}

/** Rows per (value, class); indicators, the common case, are counted without a map. */
function jointCounts(column: Float64Array, labels: Uint8Array): Iterable<[number, number]> {
  const zero: [number, number] = [0, 0];
  const one: [number, number] = [0, 0];
  let binary = true;
  for (let i = 0; i < column.length && binary; i++) {
    const c = labels[i] === 1 ? 1 : 0;
    if (column[i] === 0) zero[c]++;
    else if (column[i] === 1) one[c]++;
    else binary = false;
  }
  if (binary) return [zero, one];

  const joint = new Map<number, [number, number]>();
  for (let i = 0; i < column.length; i++) {
    let cell = joint.get(column[i]);
    if (cell === undefined) {
      cell = [0, 0];
      joint.set(column[i], cell);
    }
    cell[labels[i] === 1 ? 1 : 0]++;
  }

  return joint.values();
}

function jitter(column: Float64Array, normal: () => number): Float64Array {
  const { std } = meanStd(column);
  const scale = std > 0 ? std : 1;
  const scaled = new Float64Array(column.length);
  let absoluteSum = 0;
  for (let i = 0; i < column.length; i++) {
    scaled[i] = column[i] / scale;
    absoluteSum += Math.abs(scaled[i]);
  }
  const amplitude = 1e-10 * Math.max(1, absoluteSum / Math.max(1, column.length));
  for (let i = 0; i < scaled.length; i++) scaled[i] += amplitude * normal();

  return scaled;
}

/**
 * Ross's estimate for a continuous X and a discrete Y: for each point, r is the distance to
 * its k-th nearest neighbour within its own class and m the number of points of any class
 * closer than r (itself included); then I = ψ(n) + ⟨ψ(k)⟩ − ⟨ψ(n_class)⟩ − ⟨ψ(m)⟩.
 * A point alone in its class is left out of every count. In one dimension both searches run on sorted
 * arrays, so the cost is O(n log n).
 */
export function continuousMutualInfo(
  column: Float64Array,
  labels: Uint8Array,
  neighbours = MI_NEIGHBOURS,
): number {
  const classes = classCounts(labels);
  const byClass = [0, 1].map((c) => {
    const members = new Float64Array(classes[c]);
    let next = 0;
    for (let i = 0; i < column.length; i++) {
      if ((labels[i] === 1 ? 1 : 0) === c) members[next++] = column[i];
    }

    return members.sort();
  });
  const counted = byClass.filter((members) => members.length >= 2);
  const all = new Float64Array(counted.reduce((total, members) => total + members.length, 0));
  let offset = 0;
  for (const members of counted) {
    all.set(members, offset);
    offset += members.length;
  }
  all.sort();

  let used = 0;
  let sumK = 0;
  let sumClass = 0;
  let sumM = 0;
  for (let c = 0; c < 2; c++) {
    const members = byClass[c];
    if (members.length < 2) continue;
    const k = Math.min(neighbours, members.length - 1);
    const psiK = digamma(k);
    const psiClass = digamma(members.length);
    for (let i = 0; i < members.length; i++) {
      const x = members[i];
      const radius = kthNeighbourDistance(members, i, k);
      const m = countWithin(all, x, radius);
      used++;
      sumK += psiK;
      sumClass += psiClass;
      sumM += digamma(m);
    }
  }
  if (used === 0) return 0;

  const information = digamma(used) + (sumK - sumClass - sumM) / used;

  return Math.max(0, information);
}

/** Distance from `sorted[at]` to its k-th nearest other element (k < sorted.length). */
function kthNeighbourDistance(sorted: Float64Array, at: number, k: number): number {
  let left = at - 1;
  let right = at + 1;
  let distance = 0;
  for (let taken = 0; taken < k; taken++) {
    const toLeft = left >= 0 ? sorted[at] - sorted[left] : Infinity;
    const toRight = right < sorted.length ? sorted[right] - sorted[at] : Infinity;
    if (toLeft <= toRight) {
      distance = toLeft;
      left--;
    } else {
      distance = toRight;
      right++;
    }
  }

  return distance;
}

/**
 * Points of `sorted` strictly closer than `radius` to x; with a radius of 0, the points
 * equal to x. x itself is among them.
 */
function countWithin(sorted: Float64Array, x: number, radius: number): number {
  if (radius === 0) return upperBound(sorted, x) - lowerBound(sorted, x);

  return lowerBound(sorted, x + radius) - upperBound(sorted, x - radius);
}

/** First index whose value is ≥ x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < x) low = mid + 1;
    else high = mid;
  }

  return low;
}

/** First index whose value is > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= x) low = mid + 1;
    else high = mid;
  }

  return low;
}

/**
 * Indexes of the `k` best scores, in their original (ascending) order; ties go to the
 * earlier feature. `k` at or above the number of scores keeps them all.
 */
export function selectKBest(scores: Float64Array, k: number): Uint32Array {
  const order = Array.from(scores.keys()).sort((a, b) => {
    const difference = rank(scores[b]) - rank(scores[a]);

    return difference > 0 || difference < 0 ? difference : a - b;
  });

  return Uint32Array.from(order.slice(0, Math.min(k, scores.length))).sort();
}

function rank(score: number): number {
  return Number.isNaN(score) ? -Infinity : score;
}
