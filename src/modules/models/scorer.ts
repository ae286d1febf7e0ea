import type {
  FeatureContributions,
  ModelArtifact,
  ModelPlugin,
  TrainedModel,
} from '../../plugins/contract';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { FittedPipeline } from '../preprocessing/pipeline';
import { Calibrator, calibratorFromJSON } from './evaluation';
import { checkPluginOutput } from './plugin-output';

/** A model version ready to score customers: pipeline, plugin model and calibrator. */
export interface ModelScorer {
  readonly modelName: string;
  readonly version: number;
  readonly versionId: string;
  readonly pluginId: string;
  readonly featureNames: readonly string[];
  /** Calibrated probability at or above which a customer counts as predicted positive. */
  readonly threshold: number;
  /** Calibrated P(positive) per customer, in the order given. */
  score(records: readonly CustomerAttributes[]): Promise<Float64Array>;
  /**
   * Per-customer feature contributions (in the order of `featureNames`), for plugins that
   * explain their predictions; absent for those that do not.
   */
  readonly explain?: (records: readonly CustomerAttributes[]) => Promise<FeatureContributions>;
  /** Frees the plugin model; the scorer must not be used afterwards. */
  dispose(): void;
}

/** What a stored version holds, as read from the registry. */
export interface StoredVersion {
  readonly id: string;
  readonly modelName: string;
  readonly version: number;
  readonly pluginId: string;
  readonly threshold: number;
  readonly featureNames: readonly string[];
  readonly preprocessing: unknown;
  readonly calibration: unknown;
  readonly artifact: ModelArtifact;
}

/** Rebuilds a scorer from a stored version: the same probabilities as when it was trained. */
export async function buildScorer(
  stored: StoredVersion,
  plugin: ModelPlugin<object>,
): Promise<ModelScorer> {
  const pipeline = FittedPipeline.fromJSON(stored.preprocessing);
  const calibrator: Calibrator = calibratorFromJSON(stored.calibration);
  const model: TrainedModel = await plugin.deserialize({ artifact: stored.artifact });

  return {
    modelName: stored.modelName,
    version: stored.version,
    versionId: stored.id,
    pluginId: stored.pluginId,
    featureNames: stored.featureNames,
    threshold: stored.threshold,
    score: async (records) => {
      if (records.length === 0) {
        return new Float64Array(0);
      }
      const features = pipeline.transform(records);
      const raw = await model.predict({ features });

      return calibrator.apply(checkPluginOutput(raw, records.length, plugin.id, 'scoring'));
    },
    explain: model.explain
      ? (records) =>
          (model.explain as NonNullable<TrainedModel['explain']>)({
            features: pipeline.transform(records),
          })
      : undefined,
    dispose: () => model.dispose?.(),
  };
}
