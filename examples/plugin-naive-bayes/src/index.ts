/**
 * A Bullseye model plugin: Gaussian naive Bayes on the preprocessed (numeric) features.
 * It depends on Bullseye only through `bullseye/plugin`.
 */
import {
  CancelledError,
  checkFeatures,
  checkTrainingSet,
  definePlugin,
  FeatureContributions,
  FeatureMatrix,
  ModelArtifact,
  TrainedModel,
  UserError,
  yieldToEventLoop,
} from 'bullseye/plugin';
import { fitGaussian, GaussianFit, logOddsTerms, positiveProbabilities } from './gaussian';

export const NAIVE_BAYES_FORMAT = 'naive-bayes/1';

/** The layout of `data` in a `naive-bayes/1` artifact: plain numbers, safe in JSON. */
interface ArtifactData {
  featureNames: string[];
  classes: { logPrior: number; means: number[]; variances: number[] }[];
}

class NaiveBayesModel implements TrainedModel {
  constructor(
    private readonly fit: GaussianFit,
    private readonly featureNames: readonly string[],
    readonly summary: Readonly<Record<string, unknown>>,
  ) {}

  async predict({ features }: { readonly features: FeatureMatrix }): Promise<Float64Array> {
    checkFeatures(features, this.featureNames.length, this.featureNames);

    return positiveProbabilities(this.fit, features);
  }

  /** Exact: the terms plus log(π₁/π₀) are the row's log-odds. */
  async explain({ features }: { readonly features: FeatureMatrix }): Promise<FeatureContributions> {
    checkFeatures(features, this.featureNames.length, this.featureNames);

    return { rows: features.rows, cols: features.cols, values: logOddsTerms(this.fit, features) };
  }

  async serialize(): Promise<ModelArtifact> {
    const data: ArtifactData = {
      featureNames: [...this.featureNames],
      classes: this.fit.classes.map((c) => ({
        logPrior: c.logPrior,
        means: Array.from(c.means),
        variances: Array.from(c.variances),
      })),
    };

    return { format: NAIVE_BAYES_FORMAT, data: { ...data, summary: this.summary } };
  }
}

export const naiveBayesPlugin = definePlugin({
  id: 'naive-bayes',
  version: '1.0.0',
  contractVersion: '1.0.0',
  displayName: 'Gaussian naive Bayes',
  description:
    'Gaussian naive Bayes: one normal distribution per feature and class, combined in ' +
    'log-probabilities. Trains in one pass; a quick baseline.',
  capabilities: { sampleWeights: true, explain: true },
  hyperparameters: {
    type: 'object',
    properties: {
      varSmoothing: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.01,
        description: 'Added to every variance, as a share of the largest feature variance.',
      },
      priors: {
        type: 'string',
        enum: ['fitted', 'uniform'],
        default: 'fitted',
        description: '"fitted": the classes’ shares in the training rows; "uniform": ½ each.',
      },
    },
    additionalProperties: false,
  },

  async train({ features, labels, featureNames, params, sampleWeights, signal, onProgress }) {
    checkTrainingSet({ features, labels, featureNames, sampleWeights });
    if (signal?.aborted) throw new CancelledError('Training was cancelled.');

    onProgress?.({ fraction: 0.5, message: 'checked the training rows' });
    // Let a cancellation or an HTTP request in before the fit itself.
    await yieldToEventLoop();
    if (signal?.aborted) throw new CancelledError('Training was cancelled.');

    const weights = sampleWeights ?? new Float64Array(labels.length).fill(1);
    const fit = fitGaussian(features, labels, weights, params);
    onProgress?.({ fraction: 1, message: 'fitted class densities' });

    return new NaiveBayesModel(fit, featureNames, { rows: features.rows, features: features.cols });
  },

  async deserialize({ artifact }) {
    return readArtifact(artifact);
  },
});

/** Rebuilds a model from its artifact, refusing one that is not a `naive-bayes/1` model. */
function readArtifact(artifact: ModelArtifact): NaiveBayesModel {
  const data = artifact.data as Partial<ArtifactData> & { summary?: Record<string, unknown> };
  const names = data?.featureNames;
  const classes = data?.classes;
  if (
    artifact.format !== NAIVE_BAYES_FORMAT ||
    !Array.isArray(names) ||
    !Array.isArray(classes) ||
    classes.length !== 2 ||
    !classes.every(
      (c) =>
        Number.isFinite(c.logPrior) &&
        c.means?.length === names.length &&
        c.variances?.length === names.length &&
        c.variances.every((v) => v > 0),
    )
  ) {
    throw new UserError(
      'model_artifact_invalid',
      `Not a ${NAIVE_BAYES_FORMAT} artifact: it needs featureNames and two classes with a ` +
        'logPrior, and a mean and a positive variance per feature.',
      422,
    );
  }

  const [negative, positive] = classes.map((c) => ({
    logPrior: c.logPrior,
    means: Float64Array.from(c.means),
    variances: Float64Array.from(c.variances),
  }));

  return new NaiveBayesModel({ classes: [negative, positive] }, names, data.summary ?? {});
}

export default naiveBayesPlugin;
