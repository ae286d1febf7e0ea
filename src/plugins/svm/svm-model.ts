/**
 * A fitted SVM: decision value f(x) = w·φ(x) + b, with φ the identity (linear kernel) or
 * random Fourier features (RBF kernel), turned into a probability by Platt scaling.
 */
import { UserError } from '../../common/errors';
import { FeatureContributions, FeatureMatrix, ModelArtifact, TrainedModel } from '../contract';
import { multiply } from '../linear-algebra';
import { checkFeatures } from '../logistic/training-set';
import { PlattScaling, plattProbability } from './platt';
import { FourierMap, fourierFeatures } from './random-fourier-features';

export const SVM_FORMAT = 'svm/1';

const FOURIER_SLICE_ROWS = 4096;

export type SvmKernel = 'linear' | 'rbf';

export interface SvmFitted {
  readonly kernel: SvmKernel;
  readonly featureNames: readonly string[];
  /** One weight per feature (linear) or per Fourier component (rbf). */
  readonly weights: Float64Array;
  readonly bias: number;
  readonly platt: Pick<PlattScaling, 'a' | 'b'>;
  /** Present for the RBF kernel. */
  readonly fourier?: FourierMap;
}

/** The layout of `data` in an `svm/1` artifact. */
export interface SvmArtifactData {
  kernel: SvmKernel;
  featureNames: string[];
  weights: number[];
  bias: number;
  platt: { a: number; b: number };
  fourier?: { gamma: number; components: number; omega: number[]; phase: number[] };
  summary: Record<string, unknown>;
}

export class SvmModel implements TrainedModel {
  constructor(
    private readonly fitted: SvmFitted,
    readonly summary: Readonly<Record<string, unknown>>,
  ) {}

  /** f(x) = w·φ(x) + b for every row: positive on the positive side of the margin. */
  decisionValues(features: FeatureMatrix): Float64Array {
    const { weights, bias, fourier, featureNames } = this.fitted;
    const d = featureNames.length;
    checkFeatures(features, d, featureNames);

    const out = new Float64Array(features.rows);
    if (!fourier) {
      const values = features.values;
      for (let i = 0; i < features.rows; i++) {
        let f = bias;
        for (let j = 0; j < d; j++) f += weights[j] * values[i * d + j];
        out[i] = f;
      }

      return out;
    }

    // Random features take `components` numbers per row: map a slice of rows at a time.
    for (let first = 0; first < features.rows; first += FOURIER_SLICE_ROWS) {
      const rows = Math.min(FOURIER_SLICE_ROWS, features.rows - first);
      const slice = {
        rows,
        cols: d,
        values: features.values.subarray(first * d, (first + rows) * d),
      };
      multiply(fourierFeatures(slice, fourier), weights, bias, out.subarray(first, first + rows));
    }

    return out;
  }

  /**
   * Each feature's share of the decision value f(x). Linear kernel: wⱼ·xᵢⱼ, which with the
   * bias sums to f(x) exactly. RBF kernel: xᵢⱼ·∂f/∂xⱼ (gradient times input), an
   * approximation, since f is not linear in the features there.
   */
  async explain({ features }: { readonly features: FeatureMatrix }): Promise<FeatureContributions> {
    const { weights, fourier, featureNames } = this.fitted;
    const d = featureNames.length;
    checkFeatures(features, d, featureNames);

    const x = features.values;
    const out = new Float64Array(features.rows * d);
    if (!fourier) {
      for (let k = 0; k < out.length; k++) out[k] = weights[k % d] * x[k];

      return { rows: features.rows, cols: d, values: out };
    }

    // f(x) = Σₖ wₖ·s·cos(aₖ) + b with aₖ = φₖ + Σⱼ xⱼΩⱼₖ, so ∂f/∂xⱼ = −s·Σₖ wₖ·sin(aₖ)·Ωⱼₖ.
    const { components: D, omega, phase } = fourier;
    const scale = Math.sqrt(2 / D);
    const slope = new Float64Array(D);
    for (let i = 0; i < features.rows; i++) {
      for (let k = 0; k < D; k++) {
        let angle = phase[k];
        for (let j = 0; j < d; j++) angle += x[i * d + j] * omega[j * D + k];
        slope[k] = -scale * weights[k] * Math.sin(angle);
      }
      for (let j = 0; j < d; j++) {
        let gradient = 0;
        for (let k = 0; k < D; k++) gradient += slope[k] * omega[j * D + k];
        out[i * d + j] = gradient * x[i * d + j];
      }
    }

    return { rows: features.rows, cols: d, values: out };
  }

  async predict({ features }: { readonly features: FeatureMatrix }): Promise<Float64Array> {
    const decision = this.decisionValues(features);
    for (let i = 0; i < decision.length; i++) {
      // Finite but huge features can overflow into +∞ − ∞; such a row gets no preference.
      const p = plattProbability(decision[i], this.fitted.platt);
      decision[i] = Number.isNaN(p) ? 0.5 : p;
    }

    return decision;
  }

  async serialize(): Promise<ModelArtifact> {
    const { kernel, featureNames, weights, bias, platt, fourier } = this.fitted;
    const data: SvmArtifactData = {
      kernel,
      featureNames: [...featureNames],
      weights: Array.from(weights),
      bias,
      platt: { a: platt.a, b: platt.b },
      summary: { ...this.summary },
    };
    if (fourier) {
      data.fourier = {
        gamma: fourier.gamma,
        components: fourier.components,
        omega: Array.from(fourier.omega),
        phase: Array.from(fourier.phase),
      };
    }

    return { format: SVM_FORMAT, data };
  }
}

/** Rebuilds a model from its artifact; a `UserError` when the artifact is not one. */
export function svmFromArtifact(artifact: ModelArtifact): SvmModel {
  if (artifact.format !== SVM_FORMAT) {
    throw invalid(`format is "${artifact.format}", expected "${SVM_FORMAT}"`);
  }

  const data = artifact.data as Partial<SvmArtifactData> | null;
  if (!data || (data.kernel !== 'linear' && data.kernel !== 'rbf')) {
    throw invalid('kernel must be "linear" or "rbf"');
  }

  if (!Array.isArray(data.featureNames) || !finiteArray(data.weights)) {
    throw invalid('featureNames must be an array and weights an array of finite numbers');
  }

  if (!data.platt || !Number.isFinite(data.platt.a) || !Number.isFinite(data.platt.b)) {
    throw invalid('platt must hold finite a and b');
  }

  if (!Number.isFinite(data.bias)) throw invalid('bias must be a finite number');

  const inputs = data.featureNames.length;
  let fourier: FourierMap | undefined;
  if (data.kernel === 'rbf') {
    const f = data.fourier;
    if (
      !f ||
      !finiteArray(f.omega) ||
      !finiteArray(f.phase) ||
      f.phase.length !== f.components ||
      f.omega.length !== f.components * inputs
    ) {
      throw invalid('an rbf model needs omega (inputs × components) and phase (components)');
    }
    fourier = {
      inputs,
      components: f.components,
      gamma: f.gamma,
      omega: Float64Array.from(f.omega),
      phase: Float64Array.from(f.phase),
    };
  }

  const width = fourier ? fourier.components : inputs;
  if (data.weights.length !== width) throw invalid(`weights must hold ${width} numbers`);

  const fitted: SvmFitted = {
    kernel: data.kernel,
    featureNames: data.featureNames.map(String),
    weights: Float64Array.from(data.weights),
    bias: data.bias as number,
    platt: { a: data.platt.a, b: data.platt.b },
    fourier,
  };

  return new SvmModel(fitted, data.summary ?? {});
}

function finiteArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function invalid(reason: string): UserError {
  return new UserError('model_artifact_invalid', `Not an SVM model artifact: ${reason}.`, 422);
}
