import type { DriftReportEntity, FeatureDrift } from './entities/drift-report.entity';
import type { RetrainingRunEntity } from './entities/retraining-run.entity';
import type { RetrainingScheduleEntity } from './entities/retraining-schedule.entity';
import type { ScheduleSettings } from './schedule-settings';

/** The cron job of a schedule in this process. */
export interface ScheduleJobState {
  /** Registered with the SchedulerRegistry (enabled schedules only). */
  readonly registered: boolean;
  /** Started, i.e. its timer is set. */
  readonly active: boolean;
  /** Next tick (ISO 8601), whether or not this process will run it. */
  readonly nextRunAt: string | null;
}

export interface ScheduleView extends ScheduleSettings {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly job: ScheduleJobState;
}

export interface RunFigures {
  readonly version: number | null;
  readonly value: number | null;
  readonly ece: number | null;
}

export interface RetrainingRunView {
  readonly id: string;
  readonly scheduleId: string;
  readonly modelName: string;
  readonly trigger: RetrainingRunEntity['trigger'];
  readonly status: RetrainingRunEntity['status'];
  readonly scheduledFor: string | null;
  readonly holder: string;
  readonly actor: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly metric: RetrainingRunEntity['metric'];
  readonly seed: number;
  readonly datasetId: string | null;
  readonly rows: number | null;
  readonly testRows: number | null;
  readonly champion: RunFigures | null;
  readonly challenger: (RunFigures & { readonly pluginId: string | null }) | null;
  readonly drift: number | null;
  readonly candidates: RetrainingRunEntity['candidates'];
  readonly guards: RetrainingRunEntity['guards'];
  readonly decision: RetrainingRunEntity['decision'];
  readonly reason: string | null;
  readonly error: RetrainingRunEntity['error'];
}

export interface DriftReportView {
  readonly id: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly scoringRunId: string;
  readonly rows: number;
  readonly scorePsi: number;
  readonly maxFeaturePsi: number;
  readonly maxFeature: string | null;
  readonly drift: number;
  readonly features: FeatureDrift[];
  readonly createdAt: string;
}

export function settingsOf(entity: RetrainingScheduleEntity): ScheduleSettings {
  return {
    modelName: entity.modelName,
    cron: entity.cron,
    timeZone: entity.timeZone,
    source: entity.source,
    plugins: entity.plugins,
    metric: entity.metric,
    margin: entity.margin,
    guards: {
      minRows: entity.minRows,
      requireBothClasses: Boolean(entity.requireBothClasses),
      maxEceIncrease: entity.maxEceIncrease,
    },
    drift: { mode: entity.driftMode, threshold: entity.driftThreshold },
    testShare: entity.testShare,
    enabled: Boolean(entity.enabled),
  };
}

/** The columns that hold a schedule's settings. */
export function settingsColumns(
  settings: ScheduleSettings,
): Omit<RetrainingScheduleEntity, 'id' | 'createdAt' | 'updatedAt'> {
  return {
    modelName: settings.modelName,
    cron: settings.cron,
    timeZone: settings.timeZone,
    source: settings.source,
    plugins: settings.plugins,
    metric: settings.metric,
    margin: settings.margin,
    minRows: settings.guards.minRows,
    requireBothClasses: settings.guards.requireBothClasses,
    maxEceIncrease: settings.guards.maxEceIncrease,
    driftMode: settings.drift.mode,
    driftThreshold: settings.drift.threshold,
    testShare: settings.testShare,
    enabled: settings.enabled,
  };
}

export function scheduleView(
  entity: RetrainingScheduleEntity,
  job: ScheduleJobState,
): ScheduleView {
  return {
    id: entity.id,
    ...settingsOf(entity),
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    job,
  };
}

export function runView(entity: RetrainingRunEntity): RetrainingRunView {
  const champion =
    entity.championVersion === null
      ? null
      : { version: entity.championVersion, value: entity.championValue, ece: entity.championEce };
  const challenger =
    entity.challengerValue === null && entity.challengerVersion === null
      ? null
      : {
          version: entity.challengerVersion,
          pluginId: entity.challengerPluginId,
          value: entity.challengerValue,
          ece: entity.challengerEce,
        };

  return {
    id: entity.id,
    scheduleId: entity.scheduleId,
    modelName: entity.modelName,
    trigger: entity.trigger,
    status: entity.status,
    scheduledFor: entity.scheduledFor,
    holder: entity.holder,
    actor: entity.actor,
    startedAt: entity.startedAt,
    finishedAt: entity.finishedAt,
    metric: entity.metric,
    seed: entity.seed,
    datasetId: entity.datasetId,
    rows: entity.rows,
    testRows: entity.testRows,
    champion,
    challenger,
    drift: entity.drift,
    candidates: entity.candidates,
    guards: entity.guards,
    decision: entity.decision,
    reason: entity.reason,
    error: entity.error,
  };
}

export function driftReportView(entity: DriftReportEntity): DriftReportView {
  return {
    id: entity.id,
    modelName: entity.modelName,
    modelVersion: entity.modelVersion,
    scoringRunId: entity.scoringRunId,
    rows: entity.rows,
    scorePsi: entity.scorePsi,
    maxFeaturePsi: entity.maxFeaturePsi,
    maxFeature: entity.maxFeature,
    drift: entity.drift,
    features: entity.features,
    createdAt: entity.createdAt,
  };
}
