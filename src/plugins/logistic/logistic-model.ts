/**
 * A fitted logistic regression: P(y = 1 | x) = σ(β₀ + β·x). Its coefficients are public so
 * that a prediction can be explained term by term (βⱼ·xⱼ on standardised features).
 */
import { UserError } from '../../common/errors';
import { FeatureContributions, FeatureMatrix, ModelArtifact, TrainedModel } from '../contract';
import { sigmoid } from '../linear-algebra';
import { checkFeatures } from './training-set';

export const LOGISTIC_FORMAT = 'logistic/1';

export interface LogisticCoefficients {
  readonly featureNames: readonly string[];
  /** βⱼ for feature `featureNames[j]`. */
  readonly coefficients: Float64Array;
  /** β₀; 0 when the model was fitted without an intercept. */
  readonly intercept: number;
}

/** The layout of `data` in a `logistic/1` artifact. */
export interface LogisticArtifactData {
  featureNames: string[];
  coefficients: number[];
  intercept: number;
  summary: Record<string, unknown>;
}

export class LogisticModel implements TrainedModel {
  constructor(
    private readonly fitted: LogisticCoefficients,
    readonly summary: Readonly<Record<string, unknown>>,
  ) {}

  async predict({ features }: { readonly features: FeatureMatrix }): Promise<Float64Array> {
    const { coefficients, intercept } = this.fitted;
    const d = coefficients.length;
    checkFeatures(features, d, this.fitted.featureNames);

    const values = features.values;
    const out = new Float64Array(features.rows);
    for (let i = 0; i < features.rows; i++) {
      let z = intercept;
      const offset = i * d;
      for (let j = 0; j < d; j++) z += coefficients[j] * values[offset + j];
      // Finite but huge features can overflow into +∞ − ∞; such a row gets no preference.
      out[i] = Number.isNaN(z) ? 0.5 : sigmoid(z);
    }

    return out;
  }

  /** βⱼ·xᵢⱼ for every row and feature: with the intercept they sum to the row's log-odds. */
  async explain({ features }: { readonly features: FeatureMatrix }): Promise<FeatureContributions> {
    const { coefficients } = this.fitted;
    const d = coefficients.length;
    checkFeatures(features, d, this.fitted.featureNames);

    const values = new Float64Array(features.rows * d);
    for (let k = 0; k < values.length; k++) values[k] = coefficients[k % d] * features.values[k];

    return { rows: features.rows, cols: d, values };
  }

  /** A copy of the fitted coefficients, with the names of their features. */
  coefficients(): LogisticCoefficients {
    return {
      featureNames: [...this.fitted.featureNames],
      coefficients: Float64Array.from(this.fitted.coefficients),
      intercept: this.fitted.intercept,
    };
  }

  async serialize(): Promise<ModelArtifact> {
    const data: LogisticArtifactData = {
      featureNames: [...this.fitted.featureNames],
      coefficients: Array.from(this.fitted.coefficients),
      intercept: this.fitted.intercept,
      summary: { ...this.summary },
    };

    return { format: LOGISTIC_FORMAT, data };
  }
}

/** Rebuilds a model from its artifact; a `UserError` when the artifact is not one. */
export function logisticFromArtifact(artifact: ModelArtifact): LogisticModel {
  if (artifact.format !== LOGISTIC_FORMAT) {
    throw invalid(`format is "${artifact.format}", expected "${LOGISTIC_FORMAT}"`);
  }

  const data = artifact.data as Partial<LogisticArtifactData> | null;
  if (
    !data ||
    !Array.isArray(data.featureNames) ||
    !Array.isArray(data.coefficients) ||
    data.featureNames.length !== data.coefficients.length
  ) {
    throw invalid('featureNames and coefficients must be arrays of the same length');
  }

  if (!data.coefficients.every(Number.isFinite) || !Number.isFinite(data.intercept)) {
    throw invalid('coefficients and intercept must be finite numbers');
  }

  const fitted: LogisticCoefficients = {
    featureNames: data.featureNames.map(String),
    coefficients: Float64Array.from(data.coefficients),
    intercept: data.intercept as number,
  };

  return new LogisticModel(fitted, data.summary ?? {});
}

function invalid(reason: string): UserError {
  return new UserError('model_artifact_invalid', `Not a logistic model artifact: ${reason}.`, 422);
}
