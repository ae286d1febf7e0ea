/**
 * The `logistic` plugin: L2-regularised logistic regression with scikit-learn's
 * parametrisation. It minimises ½‖β‖² + C·Σᵢ wᵢ·[−yᵢ log pᵢ − (1 − yᵢ) log(1 − pᵢ)],
 * pᵢ = σ(β₀ + β·xᵢ), with the intercept β₀ unpenalised and wᵢ the sample weight times the
 * class weight, by Newton's method (Cholesky on the (d+1)×(d+1) Hessian, backtracking line
 * search) until the scaled gradient norm falls below the tolerance.
 */
import { ModelPlugin } from '../contract';
import { ConvergenceProgress } from './progress';
import { LogisticModel, logisticFromArtifact } from './logistic-model';
import { fitLogistic } from './newton';
import { checkTrainingSet, ClassWeight, rowWeights } from './training-set';

export { LogisticModel, logisticFromArtifact, LOGISTIC_FORMAT } from './logistic-model';
export type { LogisticArtifactData, LogisticCoefficients } from './logistic-model';
export { fitLogistic, logLoss, minimiseMarginLoss } from './newton';
export type {
  LogisticFitOptions,
  LogisticSolution,
  MarginLoss,
  NewtonIteration,
  NewtonOptions,
  NewtonSolution,
} from './newton';

export interface LogisticParams {
  /** Inverse regularisation strength: larger fits the training data more closely. */
  readonly C: number;
  readonly maxIterations: number;
  /** Stop once ‖∇F‖ / (C·Σᵢ wᵢ) is at most this. */
  readonly tolerance: number;
  readonly classWeight: ClassWeight;
  readonly fitIntercept: boolean;
}

export const logisticPlugin: ModelPlugin<LogisticParams> = {
  id: 'logistic',
  version: '1.0.0',
  contractVersion: '1.0.0',
  capabilities: { sampleWeights: true, explain: true },
  displayName: 'Logistic regression',
  description:
    'L2-regularised logistic regression fitted by Newton’s method; its coefficients explain ' +
    'each score feature by feature.',
  hyperparameters: {
    type: 'object',
    properties: {
      C: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 1,
        description: 'Inverse regularisation strength (scikit-learn’s C).',
      },
      maxIterations: {
        type: 'integer',
        minimum: 1,
        maximum: 10000,
        default: 100,
        description: 'Most Newton steps to take.',
      },
      tolerance: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 1e-6,
        description: 'Stop when the gradient norm divided by C × total row weight is below this.',
      },
      classWeight: {
        type: 'string',
        enum: ['none', 'balanced'],
        default: 'none',
        description: '"balanced" weighs each class by n / (2 × its row count).',
      },
      fitIntercept: { type: 'boolean', default: true },
    },
    additionalProperties: false,
  },

  async train({ features, labels, featureNames, params, sampleWeights, signal, onProgress }) {
    checkTrainingSet({ features, labels, featureNames, sampleWeights });

    const weights = rowWeights(labels, params.classWeight, sampleWeights);
    const progress = new ConvergenceProgress(params.maxIterations, params.tolerance);
    const solution = await fitLogistic(features, labels, weights, {
      C: params.C,
      maxIterations: params.maxIterations,
      tolerance: params.tolerance,
      fitIntercept: params.fitIntercept,
      signal,
      onIteration: ({ iteration, gradientNorm, loss }) =>
        onProgress?.({
          fraction: progress.update(iteration, gradientNorm),
          message: `iteration ${iteration}, gradient ${gradientNorm.toExponential(2)}`,
          loss,
        }),
    });

    const { iterations, converged, gradientNorm, loss } = solution;
    onProgress?.({
      fraction: 1,
      message: converged
        ? `converged after ${iterations} iterations`
        : `stopped after ${iterations} iterations without converging`,
      loss,
    });

    const summary = {
      iterations,
      converged,
      gradientNorm,
      loss,
      rows: features.rows,
      features: features.cols,
    };

    return new LogisticModel(
      {
        featureNames: [...featureNames],
        coefficients: solution.coefficients,
        intercept: solution.intercept,
      },
      summary,
    );
  },

  async deserialize({ artifact }) {
    return logisticFromArtifact(artifact);
  },
};
