/**
 * Newton's method with a backtracking line search for L2-penalised losses of the margin
 * z = θ·x: F(θ) = ½·Σ_{j<p} θⱼ² + Σᵢ cᵢ·ℓ(zᵢ, yᵢ), where the first p parameters are penalised
 * and the rest (an intercept) are not. Each step solves H·s = −∇F by Cholesky on the
 * explicit Hessian, positive definite because of the penalty (a small ridge is added should
 * rounding make it fail). Rows are stored compressed, so building the Hessian costs
 * Σᵢ nnz(xᵢ)², not n·d². Losses with a kink (the squared hinge) use their generalised
 * second derivative; the line search keeps every step a descent.
 */
import { CancelledError } from '../../common/errors';
import { FeatureMatrix, yieldToEventLoop } from '../contract';
import {
  addOuterProducts,
  addTransposed,
  choleskyInPlace,
  choleskySolve,
  dot,
  logOnePlusExp,
  multiply,
  norm,
  RowMatrix,
  toRowMatrix,
} from '../linear-algebra';

/**
 * A loss of the margin z for labels y ∈ {0, 1}, evaluated over all rows at once so that the
 * per-row loop stays inside one implementation.
 */
export interface MarginLoss {
  /** Σᵢ cᵢ·ℓ(zᵢ, yᵢ). */
  total(z: Float64Array, labels: Uint8Array, cost: Float64Array): number;
  /**
   * Fills slope[i] = cᵢ·∂ℓ/∂z and curvature[i] = cᵢ·∂²ℓ/∂z² (the generalised second
   * derivative where ℓ has a kink) and returns Σᵢ cᵢ·ℓ(zᵢ, yᵢ).
   */
  derivatives(
    z: Float64Array,
    labels: Uint8Array,
    cost: Float64Array,
    slope: Float64Array,
    curvature: Float64Array,
  ): number;
}

/** The log loss of P(y = 1) = σ(z). */
export const logLoss: MarginLoss = {
  total(z, labels, cost) {
    let sum = 0;
    for (let i = 0; i < z.length; i++) {
      const c = cost[i];
      if (c !== 0) sum += c * logOnePlusExp(labels[i] === 1 ? -z[i] : z[i]);
    }

    return sum;
  },
  derivatives(z, labels, cost, slope, curvature) {
    let sum = 0;
    for (let i = 0; i < z.length; i++) {
      const c = cost[i];
      const zi = z[i];
      const y = labels[i];
      // With e = exp(−|z|): σ(z) and log(1 + exp(∓z)) both follow without overflow.
      const e = Math.exp(-Math.abs(zi));
      const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
      const softplus = Math.log1p(e);
      const wrong = y === 1 ? -zi : zi;
      sum += c * (wrong > 0 ? wrong + softplus : softplus);
      slope[i] = c * (p - y);
      curvature[i] = c * p * (1 - p);
    }

    return sum;
  },
};

export interface NewtonOptions {
  /** Where to start; zero when absent. */
  readonly start?: Float64Array;
  readonly maxIterations: number;
  /** Stop once ‖∇F‖ / Σᵢ cᵢ is at most this (the gradient on the mean-loss scale). */
  readonly tolerance: number;
  readonly signal?: AbortSignal;
  /** Called once per iteration, before the step, with the current gradient and loss. */
  readonly onIteration?: (state: NewtonIteration) => void;
}

export interface NewtonIteration {
  /** Newton steps taken so far. */
  readonly iteration: number;
  /** ‖∇F‖ / Σᵢ cᵢ, the quantity compared with the tolerance. */
  readonly gradientNorm: number;
  /** F at the current point. */
  readonly loss: number;
}

export interface NewtonSolution {
  readonly theta: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  readonly gradientNorm: number;
  readonly loss: number;
}

const ARMIJO = 1e-4;
const MAX_HALVINGS = 40;

/**
 * Minimises F for rows `x`, labels 0/1 and row costs `cost` (≥ 0); columns from `penalised`
 * on are not penalised.
 */
export async function minimiseMarginLoss(
  x: RowMatrix,
  labels: Uint8Array,
  cost: Float64Array,
  penalised: number,
  loss: MarginLoss,
  options: NewtonOptions,
): Promise<NewtonSolution> {
  const { maxIterations, tolerance, signal, onIteration } = options;
  const size = x.cols;
  let totalCost = 0;
  for (let i = 0; i < x.rows; i++) totalCost += cost[i];
  const scale = totalCost > 0 ? totalCost : 1;

  const n = x.rows;
  const problem: Problem = {
    x,
    labels,
    cost,
    penalised,
    loss,
    slope: new Float64Array(n),
    curvature: new Float64Array(n),
    applied: new Float64Array(n),
    trial: new Float64Array(n),
  };
  const theta = options.start ? Float64Array.from(options.start) : new Float64Array(size);
  const margin = multiply(x, theta);
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  const work = new Float64Array(size * size);
  const moved = new Float64Array(x.rows);

  let iteration = 0;
  let converged = false;
  let gradientNorm = Infinity;
  let value = Infinity;
  for (;;) {
    if (signal?.aborted) throw new CancelledError('Training was cancelled.');

    value = accumulate(problem, theta, margin, gradient, hessian, iteration === 0);
    gradientNorm = norm(gradient) / scale;
    onIteration?.({ iteration, gradientNorm, loss: value });
    if (gradientNorm <= tolerance) {
      converged = true;
      break;
    }
    if (iteration >= maxIterations) break;

    const step = newtonStep(hessian, work, size, gradient);
    multiply(x, step, 0, moved);
    const t = lineSearch(problem, theta, margin, moved, step, value, dot(gradient, step));
    if (t === 0) break;

    for (let j = 0; j < size; j++) theta[j] += t * step[j];
    for (let i = 0; i < x.rows; i++) margin[i] += t * moved[i];
    iteration++;
    await yieldToEventLoop();
  }

  return { theta, iterations: iteration, converged, gradientNorm, loss: value };
}

export interface LogisticFitOptions extends NewtonOptions {
  readonly C: number;
  readonly fitIntercept: boolean;
}

export interface LogisticSolution {
  readonly coefficients: Float64Array;
  readonly intercept: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly gradientNorm: number;
  readonly loss: number;
}

/**
 * Fits ½‖β‖² + C·Σᵢ wᵢ·logloss(yᵢ, β₀ + β·xᵢ) to `features`, labels 0/1 and row weights
 * `weights` (≥ 0); β₀ is unpenalised, and fixed at 0 without `fitIntercept`.
 */
export async function fitLogistic(
  features: FeatureMatrix,
  labels: Uint8Array,
  weights: Float64Array,
  options: LogisticFitOptions,
): Promise<LogisticSolution> {
  const d = features.cols;
  const x = toRowMatrix(features, options.fitIntercept ? 1 : undefined);
  const cost = weights.map((w) => options.C * w);

  // Starting the intercept at the weighted log-odds of the labels saves a Newton step.
  const start = new Float64Array(x.cols);
  if (options.fitIntercept) {
    let positive = 0;
    let negative = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 1) positive += cost[i];
      else negative += cost[i];
    }
    start[d] = Math.log(positive / negative);
  }

  const solution = await minimiseMarginLoss(x, labels, cost, d, logLoss, { ...options, start });

  return {
    coefficients: solution.theta.slice(0, d),
    intercept: options.fitIntercept ? solution.theta[d] : 0,
    iterations: solution.iterations,
    converged: solution.converged,
    gradientNorm: solution.gradientNorm,
    loss: solution.loss,
  };
}

interface Problem {
  readonly x: RowMatrix;
  readonly labels: Uint8Array;
  readonly cost: Float64Array;
  readonly penalised: number;
  readonly loss: MarginLoss;
  /** Work space, one entry per row. */
  readonly slope: Float64Array;
  readonly curvature: Float64Array;
  /** The curvature each row contributes to the Hessian as it stands. */
  readonly applied: Float64Array;
  readonly trial: Float64Array;
}

/**
 * Fills the gradient and the lower triangle of the Hessian of F at the point whose margins
 * are `margin`, and returns F there. When fewer rows changed curvature since the last call
 * than have any (the squared hinge, whose curvature only changes as rows cross the margin),
 * the Hessian is updated by those rows' differences instead of being rebuilt.
 */
function accumulate(
  problem: Problem,
  theta: Float64Array,
  margin: Float64Array,
  gradient: Float64Array,
  hessian: Float64Array,
  first: boolean,
): number {
  const { x, labels, cost, penalised, loss, slope, curvature, applied } = problem;
  const size = x.cols;
  let value = loss.derivatives(margin, labels, cost, slope, curvature);
  for (let j = 0; j < size; j++) {
    const weight = j < penalised ? 1 : 0;
    gradient[j] = weight * theta[j];
    value += 0.5 * weight * theta[j] * theta[j];
  }
  addTransposed(x, slope, gradient);

  // Rebuilding costs one outer product per curved row, updating one per changed row.
  let changed = 0;
  let curved = 0;
  for (let i = 0; i < x.rows; i++) {
    const delta = curvature[i] - applied[i];
    applied[i] = delta;
    if (delta !== 0) changed++;
    if (curvature[i] !== 0) curved++;
  }

  if (first || changed >= curved) {
    hessian.fill(0);
    for (let j = 0; j < penalised; j++) hessian[j * size + j] = 1;
    addOuterProducts(x, curvature, hessian);
  } else if (changed > 0) {
    addOuterProducts(x, applied, hessian);
  }
  applied.set(curvature);

  return value;
}

/** Solves H·s = −g, adding a growing ridge to H should its factorisation fail. */
function newtonStep(
  hessian: Float64Array,
  work: Float64Array,
  size: number,
  gradient: Float64Array,
): Float64Array {
  let trace = 0;
  for (let j = 0; j < size; j++) trace += hessian[j * size + j];
  let ridge = 0;
  for (;;) {
    work.set(hessian);
    for (let j = 0; j < size; j++) work[j * size + j] += ridge;
    if (choleskyInPlace(work, size)) break;
    ridge = ridge === 0 ? 1e-12 * Math.max(trace, 1) : ridge * 10;
  }

  const step = choleskySolve(work, size, gradient);
  for (let j = 0; j < size; j++) step[j] = -step[j];

  return step;
}

/**
 * Halves the step until F decreases enough (Armijo); allows a rise within rounding so that
 * a last step near the optimum is not refused for noise. Returns 0 when no step is found.
 */
function lineSearch(
  { labels, cost, penalised, loss, trial }: Problem,
  theta: Float64Array,
  margin: Float64Array,
  moved: Float64Array,
  step: Float64Array,
  value: number,
  slope: number,
): number {
  const slack = 1e-12 * Math.abs(value);
  let t = 1;
  for (let halving = 0; halving < MAX_HALVINGS; halving++) {
    let penalty = 0;
    for (let j = 0; j < penalised; j++) {
      const b = theta[j] + t * step[j];
      penalty += 0.5 * b * b;
    }
    for (let i = 0; i < margin.length; i++) trial[i] = margin[i] + t * moved[i];

    if (penalty + loss.total(trial, labels, cost) <= value + ARMIJO * t * slope + slack) return t;
    t /= 2;
  }

  return 0;
}
