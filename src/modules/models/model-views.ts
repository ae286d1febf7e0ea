import type { ModelPromotionEntity } from './entities/model-promotion.entity';
import type { ModelVersionEntity } from './entities/model-version.entity';
import type { ModelEntity } from './entities/model.entity';
import type { TrainingJobEntity, TrainingJobStatus } from './entities/training-job.entity';
import type { PromotionAction, VersionStatus } from './promotion';

/** The measures shown for a version in lists; the full report is in `ModelVersionView`. */
export interface HeadlineMetrics {
  readonly rocAuc: number | null;
  readonly prAuc: number | null;
  readonly logLoss: number | null;
  readonly f1: number | null;
  readonly expectedCalibrationError: number | null;
}

export interface ModelVersionSummary {
  readonly id: string;
  readonly modelName: string;
  readonly version: number;
  readonly pluginId: string;
  readonly pluginVersion: string;
  readonly status: VersionStatus;
  readonly threshold: number;
  readonly datasetId: string;
  readonly trainingJobId: string | null;
  readonly createdAt: string;
  readonly promotedAt: string | null;
  readonly metrics: HeadlineMetrics;
}

export interface ModelVersionView extends Omit<ModelVersionSummary, 'metrics'> {
  readonly params: Record<string, unknown>;
  /** Test report, train ROC AUC, cross-validation, row counts, timings, plugin summary. */
  readonly metrics: Record<string, unknown>;
  readonly featureNames: string[];
  readonly calibration: unknown;
  readonly preprocessing: unknown;
}

export interface PromotionView {
  readonly action: PromotionAction;
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly reason: string | null;
  readonly actor: string | null;
  readonly at: string;
}

export interface ModelListItem {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: string;
  readonly versionCount: number;
  readonly latestVersion: number | null;
  readonly champion: ModelVersionSummary | null;
}

export interface ModelView {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: string;
  readonly champion: number | null;
  /** Newest first. */
  readonly versions: ModelVersionSummary[];
  /** Oldest first. */
  readonly promotions: PromotionView[];
}

export interface TrainingJobView {
  readonly id: string;
  readonly modelName: string;
  readonly datasetId: string;
  readonly status: TrainingJobStatus;
  readonly progress: number;
  readonly message: string | null;
  readonly request: Record<string, unknown>;
  readonly result: Record<string, unknown> | null;
  readonly error: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

function figure(report: unknown, key: keyof HeadlineMetrics): number | null {
  const value = (report as Record<string, unknown> | undefined)?.[key];

  return typeof value === 'number' ? value : null;
}

export function headlineMetrics(metrics: Record<string, unknown>): HeadlineMetrics {
  const test = metrics.test;

  return {
    rocAuc: figure(test, 'rocAuc'),
    prAuc: figure(test, 'prAuc'),
    logLoss: figure(test, 'logLoss'),
    f1: figure(test, 'f1'),
    expectedCalibrationError: figure(test, 'expectedCalibrationError'),
  };
}

export function versionSummary(entity: ModelVersionEntity): ModelVersionSummary {
  return {
    id: entity.id,
    modelName: entity.modelName,
    version: entity.version,
    pluginId: entity.pluginId,
    pluginVersion: entity.pluginVersion,
    status: entity.status,
    threshold: entity.threshold,
    datasetId: entity.datasetId,
    trainingJobId: entity.trainingJobId,
    createdAt: iso(entity.createdAt) as string,
    promotedAt: iso(entity.promotedAt),
    metrics: headlineMetrics(entity.metrics),
  };
}

export function versionView(entity: ModelVersionEntity): ModelVersionView {
  return {
    ...versionSummary(entity),
    params: entity.params,
    metrics: entity.metrics,
    featureNames: entity.featureNames,
    calibration: entity.calibration,
    preprocessing: entity.preprocessing,
  };
}

export function promotionView(entity: ModelPromotionEntity): PromotionView {
  return {
    action: entity.action,
    fromVersion: entity.fromVersion,
    toVersion: entity.toVersion,
    reason: entity.reason,
    actor: entity.actor,
    at: iso(entity.at) as string,
  };
}

export function modelView(
  model: ModelEntity,
  versions: readonly ModelVersionEntity[],
  promotions: readonly ModelPromotionEntity[],
): ModelView {
  return {
    name: model.name,
    description: model.description,
    createdAt: iso(model.createdAt) as string,
    champion: versions.find((v) => v.status === 'champion')?.version ?? null,
    versions: [...versions].sort((a, b) => b.version - a.version).map(versionSummary),
    promotions: promotions.map(promotionView),
  };
}

export function jobView(entity: TrainingJobEntity): TrainingJobView {
  return {
    id: entity.id,
    modelName: entity.modelName,
    datasetId: entity.datasetId,
    status: entity.status,
    progress: entity.progress,
    message: entity.message,
    request: entity.request,
    result: entity.result,
    error: entity.error,
    createdAt: iso(entity.createdAt) as string,
    startedAt: iso(entity.startedAt),
    finishedAt: iso(entity.finishedAt),
  };
}
