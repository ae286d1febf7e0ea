/**
 * Fits the weights of a linear SVM on rows that already carry a constant bias column, by
 * the solver that suits the loss: dual coordinate descent for the hinge loss, Newton's
 * method on the primal for the squared hinge loss. Every weight, the bias included, is
 * penalised.
 */
import { Random } from '../../common/random';
import { TrainingProgress } from '../contract';
import { multiply, RowMatrix } from '../linear-algebra';
import { minimiseMarginLoss } from '../logistic/newton';
import { ConvergenceProgress } from '../logistic/progress';
import { solveHingeDual } from './dual-coordinate-descent';
import { squaredHingeLoss } from './squared-hinge';

export type SvmLoss = 'hinge' | 'squared-hinge';

/** The tolerance when none is given: liblinear's for the dual, a tight one for Newton. */
export const DEFAULT_TOLERANCE: Readonly<Record<SvmLoss, number>> = {
  hinge: 0.1,
  'squared-hinge': 1e-6,
};

export interface LinearSvmOptions {
  readonly loss: SvmLoss;
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly random: Random;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainingProgress) => void;
}

export interface LinearSvmFit {
  /** One weight per column of the rows; the last is the bias. */
  readonly weights: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** The primal objective ½‖w‖² + Σᵢ Uᵢ·loss at the solution. */
  readonly loss: number;
  /** Solver facts for the model's summary (gap or gradient norm, support vectors …). */
  readonly facts: Readonly<Record<string, number>>;
}

/** Minimises ½‖w‖² + Σᵢ upperᵢ·loss(yᵢ, w·xᵢ) for labels 0/1 and row costs `upper`. */
export async function fitLinearSvm(
  rows: RowMatrix,
  labels: Uint8Array,
  upper: Float64Array,
  options: LinearSvmOptions,
): Promise<LinearSvmFit> {
  const { loss, maxIterations, tolerance, random, signal, onProgress } = options;
  const progress = new ConvergenceProgress(maxIterations, tolerance);

  if (loss === 'squared-hinge') {
    const solution = await minimiseMarginLoss(rows, labels, upper, rows.cols, squaredHingeLoss, {
      maxIterations,
      tolerance,
      signal,
      onIteration: ({ iteration, gradientNorm, loss: value }) =>
        onProgress?.({
          fraction: progress.update(iteration, gradientNorm),
          message: `iteration ${iteration}, gradient ${gradientNorm.toExponential(2)}`,
          loss: value,
        }),
    });

    return {
      weights: solution.theta,
      iterations: solution.iterations,
      converged: solution.converged,
      loss: solution.loss,
      facts: { gradientNorm: solution.gradientNorm },
    };
  }

  const solution = await solveHingeDual(rows, labels, upper, {
    maxEpochs: maxIterations,
    tolerance,
    random,
    signal,
    onEpoch: ({ epoch, gap, dualObjective }) =>
      onProgress?.({
        fraction: progress.update(epoch, gap),
        message: `epoch ${epoch}/${maxIterations}, gap ${gap.toExponential(2)}`,
        loss: dualObjective,
      }),
  });

  const decision = multiply(rows, solution.weights);
  let value = 0;
  for (const w of solution.weights) value += 0.5 * w * w;
  let supportVectors = 0;
  for (let i = 0; i < rows.rows; i++) {
    const y = labels[i] === 1 ? 1 : -1;
    value += upper[i] * Math.max(0, 1 - y * decision[i]);
    if (solution.alpha[i] > 0) supportVectors++;
  }

  return {
    weights: solution.weights,
    iterations: solution.epochs,
    converged: solution.converged,
    loss: value,
    facts: {
      projectedGradientGap: solution.gap,
      dualObjective: solution.dualObjective,
      supportVectors,
    },
  };
}
