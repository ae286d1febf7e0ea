/**
 * `bullseye/plugin`: everything a model plugin needs from Bullseye, and nothing else — the
 * contract's types, `definePlugin`, the checks and numeric tools the host uses itself, and
 * the contract version. A plugin that imports only from here keeps working across Bullseye
 * releases that keep the contract's major version.
 */
export { CONTRACT_VERSION, yieldToEventLoop } from '../plugins/contract';
export type {
  FeatureContributions,
  FeatureMatrix,
  HyperparameterSchema,
  ModelArtifact,
  ModelPlugin,
  PluginCapabilities,
  PluginManifest,
  TrainArgs,
  TrainedModel,
  TrainingProgress,
} from '../plugins/contract';

export { definePlugin } from './define-plugin';
export type { InferParams, PluginDefinition, SchemaValue } from './define-plugin';

export { CancelledError, UserError } from '../common/errors';
export type { ErrorDetail } from '../common/errors';

/** Seeded random numbers: draw every random choice from `createRandom(seed)`. */
export { createRandom } from '../common/random';
export type { Random } from '../common/random';

/** The host's own checks of a training set; each throws a `UserError` with a code. */
export { checkFeatures, checkTrainingSet } from '../plugins/logistic/training-set';

/** Metrics, as the host computes them after training. */
export { brierScore, logLoss, prAuc, rocAuc } from '../modules/models/evaluation/metrics';
export { stratifiedSplit } from '../modules/models/evaluation/split';
export { mean, meanStd } from '../modules/preprocessing/statistics';
export { logOnePlusExp, sigmoid } from '../plugins/linear-algebra';

export { contractProblem, manifestProblems, parseSemver } from '../modules/models/plugin-manifest';

export { explainTop, topContributions } from './explain';
export type { ExplainingScorer, ExplainInput, TopContribution } from './explain';
