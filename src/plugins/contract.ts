/**
 * The model plugin contract: the one file every model plugin, built in or third party,
 * implements. A plugin knows how to fit one kind of model to numeric feature rows and
 * binary labels, and how to turn rows into probabilities. Everything around that — the
 * train/test split, preprocessing, calibration, metrics and the registry — belongs to the
 * host, so every plugin is measured the same way.
 *
 * Each method takes one readonly args object, so the contract can grow new optional
 * fields without breaking existing plugins.
 *
 * A complete plugin (it predicts the training set's positive rate for every row):
 *
 * ```ts
 * import { ModelPlugin, TrainedModel, FeatureMatrix } from 'bullseye/plugin';
 *
 * class PriorModel implements TrainedModel {
 *   constructor(private readonly rate: number) {}
 *   async predict({ features }: { features: FeatureMatrix }): Promise<Float64Array> {
 *     return new Float64Array(features.rows).fill(this.rate);
 *   }
 *   async serialize() {
 *     return { format: 'prior/1', data: { rate: this.rate } };
 *   }
 * }
 *
 * export const priorPlugin: ModelPlugin<{ smoothing: number }> = {
 *   id: 'prior',
 *   version: '1.0.0',
 *   contractVersion: '1.0.0',
 *   displayName: 'Positive rate',
 *   description: 'Predicts the smoothed share of positives for every customer.',
 *   hyperparameters: {
 *     type: 'object',
 *     properties: { smoothing: { type: 'number', minimum: 0, default: 1 } },
 *     additionalProperties: false,
 *   },
 *   async train({ labels, params, onProgress }) {
 *     let positives = 0;
 *     for (const y of labels) positives += y;
 *     onProgress?.({ fraction: 1, message: 'counted' });
 *     return new PriorModel((positives + params.smoothing) / (labels.length + 2 * params.smoothing));
 *   },
 *   async deserialize({ artifact }) {
 *     return new PriorModel((artifact.data as { rate: number }).rate);
 *   },
 * };
 * ```
 *
 * Pitfalls: `train` runs in the host's process, so a long loop must yield now and then
 * (`await yieldToEventLoop()`) and check `signal` so that progress is reported and
 * cancellation is honoured; a plugin that allocates TensorFlow.js tensors must dispose of
 * them (and of its model in `dispose`), or memory grows with every training.
 */

/** Dense row-major matrix: the value of feature `j` for row `i` is `values[i * cols + j]`. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

/** A JSON Schema for an object (draft 2020-12 keywords that Ajv understands). */
export interface HyperparameterSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

export interface TrainingProgress {
  /** 0 to 1: how much of the training is done. */
  readonly fraction: number;
  /** Short human-readable stage, e.g. `epoch 3/40`. */
  readonly message?: string;
  /** The current value of the loss being minimised, when there is one. */
  readonly loss?: number;
}

export interface TrainArgs<P> {
  /** Preprocessed, numeric feature rows (no NaN: the host imputes before it calls). */
  readonly features: FeatureMatrix;
  /** One label per row: 1 for the positive class, 0 otherwise. */
  readonly labels: Uint8Array;
  /** Names of the feature columns, in order; for explanations and debugging. */
  readonly featureNames: readonly string[];
  /** Hyperparameters, already validated against the plugin's schema with defaults applied. */
  readonly params: P;
  /** Seed for every random choice, so that a training can be repeated exactly. */
  readonly seed: number;
  /** Optional weight per row (same length as `labels`). */
  readonly sampleWeights?: Float64Array;
  /** Aborted when the training job is cancelled; throw `CancelledError` soon after. */
  readonly signal?: AbortSignal;
  /** Called as training advances; cheap, may be called often. */
  readonly onProgress?: (progress: TrainingProgress) => void;
}

/** What a trained model serialises to. `data` must survive `JSON.stringify`. */
export interface ModelArtifact {
  /** Names the layout of `data`, with a version, e.g. `logistic/1`. */
  readonly format: string;
  readonly data: unknown;
}

/**
 * How much each feature pushed each row's score, row-major like the features: entry
 * `values[i * cols + j]` belongs to feature `j` of row `i`. The units are the model's own
 * score before it becomes a probability (log-odds, an SVM margin); positive raises it.
 */
export type FeatureContributions = FeatureMatrix;

export interface TrainedModel {
  /** P(y = 1 | x) for each row, each in [0, 1]. */
  predict(args: { readonly features: FeatureMatrix }): Promise<Float64Array>;
  /** Per-row feature contributions; present when the plugin declares `capabilities.explain`. */
  explain?(args: { readonly features: FeatureMatrix }): Promise<FeatureContributions>;
  serialize(): Promise<ModelArtifact>;
  /** Frees native or tensor memory. The host calls it when the model is no longer used. */
  dispose?(): void;
  /** Facts about the fitted model worth showing (iterations, convergence, epochs …). */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/**
 * The version of this contract, semver. A host accepts a plugin declaring the same major
 * version and a minor version up to its own; new optional fields raise the minor version,
 * anything that breaks a plugin raises the major one.
 */
export const CONTRACT_VERSION = '1.0.0';

/** Optional abilities a plugin declares, so that the host knows what it may ask for. */
export interface PluginCapabilities {
  /** `train` honours `sampleWeights`. */
  readonly sampleWeights?: boolean;
  /** A trained model can continue from new rows (not used by the host yet). */
  readonly incrementalTraining?: boolean;
  /** Trained models implement `explain`. */
  readonly explain?: boolean;
}

export interface ModelPlugin<P = Record<string, unknown>> {
  /** Lower-case identifier, unique among loaded plugins, e.g. `logistic`. */
  readonly id: string;
  /** The plugin's own semantic version. */
  readonly version: string;
  /**
   * The contract version the plugin was written against, e.g. `1.0.0`. Written out as a
   * literal: a plugin that copied `CONTRACT_VERSION` would always claim the host's version.
   * Required of plugins loaded from configuration.
   */
  readonly contractVersion?: string;
  readonly displayName: string;
  readonly description: string;
  /** Hyperparameters with their types, ranges and defaults. */
  readonly hyperparameters: HyperparameterSchema;
  readonly capabilities?: PluginCapabilities;
  train(args: TrainArgs<P>): Promise<TrainedModel>;
  deserialize(args: { readonly artifact: ModelArtifact }): Promise<TrainedModel>;
}

/** What a plugin says about itself: everything but its methods. */
export type PluginManifest = Pick<
  ModelPlugin,
  | 'id'
  | 'version'
  | 'contractVersion'
  | 'displayName'
  | 'description'
  | 'hyperparameters'
  | 'capabilities'
>;

/** Lets the event loop run (HTTP requests, progress writes) during a long computation. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
