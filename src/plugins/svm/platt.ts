/**
 * Platt scaling: P(y = 1 | f) = 1 / (1 + exp(A·f + B)) fitted to decision values f by
 * maximum likelihood against Platt's smoothed targets, t₊ = (N₊ + 1) / (N₊ + 2) for positives
 * and t₋ = 1 / (N₋ + 2) for negatives, which keeps A finite on separable data. The fit is the
 * safeguarded Newton method of Lin, Lin & Weng (2007): a tiny ridge on the 2×2 Hessian,
 * a backtracking line search, and a loss written so that exp never overflows.
 */
import { sigmoid } from '../linear-algebra';

export interface PlattScaling {
  readonly a: number;
  readonly b: number;
  readonly iterations: number;
}

const MAX_ITERATIONS = 100;
const GRADIENT_TOLERANCE = 1e-5;
const RIDGE = 1e-12;
const MIN_STEP = 1e-10;

/** Fits A and B; `weights` (optional, ≥ 0) weigh each row's likelihood and class counts. */
export function fitPlatt(
  decision: Float64Array,
  labels: Uint8Array,
  weights?: Float64Array,
): PlattScaling {
  const n = decision.length;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (labels[i] === 1) positives += w;
    else negatives += w;
  }

  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const weight = weights ?? new Float64Array(n).fill(1);

  // The loss, gradient and Hessian at (a, b) in one pass: the accepted trial point of the
  // line search is the next Newton point, so each iteration costs one pass in the usual case.
  const evaluate = (a: number, b: number): PlattPoint => {
    let loss = 0;
    let gA = 0;
    let gB = 0;
    let hAA = RIDGE;
    let hAB = 0;
    let hBB = RIDGE;
    for (let i = 0; i < n; i++) {
      const w = weight[i];
      if (w === 0) continue;
      const f = decision[i];
      const z = a * f + b;
      const e = Math.exp(-Math.abs(z));
      // p = P(y = 1) = 1 / (1 + e^z); the loss is log(1 + e^z) − (1 − t)·z.
      const p = z >= 0 ? e / (1 + e) : 1 / (1 + e);
      const t = labels[i] === 1 ? high : low;
      loss += w * ((z > 0 ? z : 0) + Math.log1p(e) - (1 - t) * z);
      const residual = w * (t - p);
      const curvature = w * p * (1 - p);
      gA += f * residual;
      gB += residual;
      hAA += f * f * curvature;
      hAB += f * curvature;
      hBB += curvature;
    }

    return { a, b, loss, gA, gB, hAA, hAB, hBB };
  };

  let current = evaluate(0, Math.log((negatives + 1) / (positives + 1)));
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const { gA, gB, hAA, hAB, hBB } = current;
    if (Math.abs(gA) < GRADIENT_TOLERANCE && Math.abs(gB) < GRADIENT_TOLERANCE) break;

    const determinant = hAA * hBB - hAB * hAB;
    const dA = -(hBB * gA - hAB * gB) / determinant;
    const dB = -(hAA * gB - hAB * gA) / determinant;
    const slope = gA * dA + gB * dB;

    let step = 1;
    let next: PlattPoint | undefined;
    while (step >= MIN_STEP) {
      const trial = evaluate(current.a + step * dA, current.b + step * dB);
      if (trial.loss < current.loss + 1e-4 * step * slope) {
        next = trial;
        break;
      }
      step /= 2;
    }
    if (!next) break;
    current = next;
  }

  return { a: current.a, b: current.b, iterations };
}

interface PlattPoint {
  readonly a: number;
  readonly b: number;
  readonly loss: number;
  readonly gA: number;
  readonly gB: number;
  readonly hAA: number;
  readonly hAB: number;
  readonly hBB: number;
}

/** 1 / (1 + exp(A·f + B)), in [0, 1] for every finite f. */
export function plattProbability(f: number, scaling: Pick<PlattScaling, 'a' | 'b'>): number {
  return sigmoid(-(scaling.a * f + scaling.b));
}
