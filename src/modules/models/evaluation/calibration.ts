import { z } from 'zod';
import { ErrorDetail, UserError } from '../../../common/errors';
import { checkLabelledProbabilities, checkProbabilities, countPositives } from './inputs';

/**
 * Calibrators map a model's raw probabilities to probabilities that come true as often as
 * they say. They are fitted on rows the model was not trained on, and saved with the model
 * version as JSON.
 */

export type CalibrationMethod = 'platt' | 'isotonic' | 'none';

export type SerializedCalibrator =
  | { method: 'none' }
  /** p' = σ(slope · logit(p) + intercept). */
  | { method: 'platt'; slope: number; intercept: number }
  /** Fitted points, x strictly increasing, y non-decreasing; interpolated in between. */
  | { method: 'isotonic'; x: number[]; y: number[] };

export interface Calibrator {
  readonly method: CalibrationMethod;
  /** Calibrated probabilities, one per input probability (the input is not changed). */
  apply(probabilities: Float64Array): Float64Array;
  toJSON(): SerializedCalibrator;
}

/** Probabilities are clipped this far from 0 and 1 before their logit is taken. */
const LOGIT_EPSILON = 1e-7;

function logit(p: number): number {
  const q = Math.min(Math.max(p, LOGIT_EPSILON), 1 - LOGIT_EPSILON);

  return Math.log(q / (1 - q));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);

  return e / (1 + e);
}

/** ln(1 + eᶻ) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function identityCalibrator(): Calibrator {
  return {
    method: 'none',
    apply: (probabilities) => {
      checkProbabilities(probabilities);

      return Float64Array.from(probabilities);
    },
    toJSON: () => ({ method: 'none' }),
  };
}

function plattCalibrator(slope: number, intercept: number): Calibrator {
  return {
    method: 'platt',
    apply: (probabilities) => {
      checkProbabilities(probabilities);

      return probabilities.map((p) => sigmoid(slope * logit(p) + intercept));
    },
    toJSON: () => ({ method: 'platt', slope, intercept }),
  };
}

function isotonicCalibrator(x: Float64Array, y: Float64Array): Calibrator {
  const last = x.length - 1;

  const at = (p: number): number => {
    if (p <= x[0]) return y[0];
    if (p >= x[last]) return y[last];

    // The largest j with x[j] <= p; x[0] <= p < x[last] holds here.
    let low = 0;
    let high = last;
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (x[middle] <= p) low = middle;
      else high = middle;
    }

    return y[low] + ((y[high] - y[low]) * (p - x[low])) / (x[high] - x[low]);
  };

  return {
    method: 'isotonic',
    apply: (probabilities) => {
      checkProbabilities(probabilities);

      return probabilities.map(at);
    },
    toJSON: () => ({ method: 'isotonic', x: Array.from(x), y: Array.from(y) }),
  };
}

const NEWTON_MAX_ITERATIONS = 100;
/** Keeps the 2×2 Newton system solvable when every input probability is the same. */
const NEWTON_RIDGE = 1e-12;
/** A line search that must shrink the Newton step further has reached rounding noise. */
const MIN_STEP = 1e-8;

/**
 * Platt scaling on logit(p): minimises the cross-entropy of σ(a·x + b) against Platt's
 * smoothed targets (N₊ + 1)/(N₊ + 2) for positives and 1/(N₋ + 2) for negatives, which
 * keep the fit finite when the classes separate perfectly. Newton's method with a
 * backtracking line search, started from a = 0 and the smoothed prior log-odds.
 */
function fitPlatt(labels: Uint8Array, probabilities: Float64Array): Calibrator {
  const n = labels.length;
  const positives = countPositives(labels);
  const negatives = n - positives;
  const positiveTarget = (positives + 1) / (positives + 2);
  const negativeTarget = 1 / (negatives + 2);

  const x = probabilities.map(logit);
  const t = Float64Array.from(labels, (y) => (y === 1 ? positiveTarget : negativeTarget));
  const objective = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i] + b;
      sum += softplus(z) - t[i] * z;
    }

    return sum;
  };

  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let value = objective(a, b);
  for (let iteration = 0; iteration < NEWTON_MAX_ITERATIONS; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = NEWTON_RIDGE;
    let hab = 0;
    let hbb = NEWTON_RIDGE;
    for (let i = 0; i < n; i++) {
      const s = sigmoid(a * x[i] + b);
      const residual = s - t[i];
      const curvature = s * (1 - s);
      ga += residual * x[i];
      gb += residual;
      haa += curvature * x[i] * x[i];
      hab += curvature * x[i];
      hbb += curvature;
    }

    const determinant = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / determinant;
    const db = -(haa * gb - hab * ga) / determinant;
    // The decrease a full Newton step promises; 0 at the optimum.
    const decrement = -(ga * da + gb * db);
    if (!(decrement > 0)) break;

    let step = 1;
    let next = objective(a + da, b + db);
    while (next > value - 1e-4 * step * decrement && step >= MIN_STEP) {
      step /= 2;
      next = objective(a + step * da, b + step * db);
    }
    if (step < MIN_STEP) break;

    a += step * da;
    b += step * db;
    value = next;
    // Below this the objective's rounding error is larger than what is left to gain.
    if (decrement < 1e-12 * (1 + Math.abs(value))) break;
  }

  return plattCalibrator(a, b);
}

/**
 * Isotonic regression of the label on p by pool-adjacent-violators: rows with equal p are
 * merged first (their labels averaged), then neighbouring blocks whose means decrease are
 * pooled into their weighted mean until the means never decrease. Only the ends of each
 * constant stretch are kept; between kept points the calibrator interpolates linearly,
 * and outside them it holds the end value (scikit-learn's `IsotonicRegression` with
 * `out_of_bounds='clip'`).
 */
function fitIsotonic(labels: Uint8Array, probabilities: Float64Array): Calibrator {
  const order = Uint32Array.from(probabilities.keys()).sort(
    (i, j) => probabilities[i] - probabilities[j],
  );

  const xs: number[] = [];
  const weights: number[] = [];
  const sums: number[] = [];
  for (const row of order) {
    const last = xs.length - 1;
    if (last >= 0 && xs[last] === probabilities[row]) {
      weights[last]++;
      sums[last] += labels[row];
    } else {
      xs.push(probabilities[row]);
      weights.push(1);
      sums.push(labels[row]);
    }
  }

  // Blocks of consecutive distinct x as a stack: mean, weight and the first x they cover.
  const means: number[] = [];
  const blockWeights: number[] = [];
  const starts: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    means.push(sums[k] / weights[k]);
    blockWeights.push(weights[k]);
    starts.push(k);
    while (means.length > 1 && means[means.length - 2] > means[means.length - 1]) {
      const topMean = means.pop() as number;
      const topWeight = blockWeights.pop() as number;
      starts.pop();
      const k = means.length - 1;
      const weight = blockWeights[k] + topWeight;
      means[k] = (means[k] * blockWeights[k] + topMean * topWeight) / weight;
      blockWeights[k] = weight;
    }
  }

  const fitted = new Float64Array(xs.length);
  for (let block = 0; block < means.length; block++) {
    const end = block + 1 < starts.length ? starts[block + 1] : xs.length;
    fitted.fill(means[block], starts[block], end);
  }

  const keptX: number[] = [];
  const keptY: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    const inside = k > 0 && k < xs.length - 1;
    if (inside && fitted[k] === fitted[k - 1] && fitted[k] === fitted[k + 1]) continue;
    keptX.push(xs[k]);
    keptY.push(fitted[k]);
  }

  return isotonicCalibrator(Float64Array.from(keptX), Float64Array.from(keptY));
}

/** Fits a calibrator of the given method to labelled probabilities. */
export function fitCalibrator(args: {
  readonly method: CalibrationMethod;
  readonly labels: Uint8Array;
  readonly probabilities: Float64Array;
}): Calibrator {
  const { method, labels, probabilities } = args;
  checkLabelledProbabilities(labels, probabilities);

  switch (method) {
    case 'none':
      return identityCalibrator();
    case 'platt':
      return fitPlatt(labels, probabilities);
    case 'isotonic':
      return fitIsotonic(labels, probabilities);
    default:
      throw new UserError(
        'calibration_method_unknown',
        `Unknown calibration method "${String(method)}"; use platt, isotonic or none.`,
      );
  }
}

const probability = z.number().finite().min(0).max(1);

const serializedSchema = z
  .discriminatedUnion('method', [
    z.object({ method: z.literal('none') }).strict(),
    z
      .object({
        method: z.literal('platt'),
        slope: z.number().finite(),
        intercept: z.number().finite(),
      })
      .strict(),
    z
      .object({
        method: z.literal('isotonic'),
        x: z.array(probability).min(1),
        y: z.array(probability),
      })
      .strict(),
  ])
  .superRefine((value, context) => {
    if (value.method !== 'isotonic') return;
    if (value.y.length !== value.x.length) {
      context.addIssue({
        code: 'custom',
        path: ['y'],
        message: `must hold ${value.x.length} values, as many as x`,
      });

      return;
    }

    for (let k = 1; k < value.x.length; k++) {
      if (!(value.x[k] > value.x[k - 1])) {
        context.addIssue({
          code: 'custom',
          path: ['x', k],
          message: 'must be greater than the value before it',
        });
      }
      if (!(value.y[k] >= value.y[k - 1])) {
        context.addIssue({
          code: 'custom',
          path: ['y', k],
          message: 'must not be less than the value before it',
        });
      }
    }
  });

function jsonPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`),
    '$',
  );
}

/** Rebuilds a calibrator from its `toJSON()` form; a `UserError` says what is wrong. */
export function calibratorFromJSON(json: unknown): Calibrator {
  const parsed = serializedSchema.safeParse(json);
  if (!parsed.success) {
    const details: ErrorDetail[] = parsed.error.issues.map((problem) => ({
      path: jsonPath(problem.path),
      message: problem.message,
    }));
    throw new UserError(
      'calibrator_invalid',
      `The saved calibrator is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      422,
      details,
    );
  }

  const value = parsed.data;
  switch (value.method) {
    case 'none':
      return identityCalibrator();
    case 'platt':
      return plattCalibrator(value.slope, value.intercept);
    case 'isotonic':
      return isotonicCalibrator(Float64Array.from(value.x), Float64Array.from(value.y));
  }
}
