import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CancelledError, NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { evaluate, EvaluationReport, stratifiedSplit } from '../models/evaluation';
import type { ModelVersionView } from '../models/model-views';
import { ModelsService } from '../models/models.service';
import { PluginRegistry } from '../models/plugin-registry.service';
import {
  DEFAULT_TRAINING_OPTIONS,
  trainModel,
  TrainingOptions,
  TrainingOutcome,
} from '../models/training';
import { DriftService } from './drift.service';
import {
  CandidateOutcome,
  RetrainingRunEntity,
  RetrainingStatus,
  RetrainingTrigger,
} from './entities/retraining-run.entity';
import type { RetrainingScheduleEntity } from './entities/retraining-schedule.entity';
import { decideRetraining, GuardResult, trainingDataGuards } from './retraining-decision';
import { ScheduleLease } from './schedule-lock';
import type { ScheduleSettings } from './schedule-settings';
import { SchedulingClock } from './scheduling-clock';
import { runView, RetrainingRunView, settingsOf } from './scheduling-views';
import { LoadedTrainingSet, TrainingSources } from './training-sources';

export interface RetrainingRequest {
  readonly trigger: RetrainingTrigger;
  /** Who promotes, for the model's history: `scheduler`, `api`, `cli`. */
  readonly actor: string;
  /** The cron occurrence a scheduled run stands for; null for a manual run. */
  readonly scheduledFor: Date | null;
}

/** What asking for a run gave: a run under way, or the reason there is none. */
export type RetrainingStart =
  | {
      readonly started: true;
      readonly run: RetrainingRunView;
      readonly done: Promise<RetrainingRunView>;
    }
  | { readonly started: false; readonly reason: 'locked'; readonly holder: string | null }
  | {
      readonly started: false;
      readonly reason: 'occurrence_done';
      readonly run: RetrainingRunView;
    };

/** A finished run's fields, as `finish` stores them. */
type RunResult = Partial<Omit<RetrainingRunEntity, 'id' | 'status'>> & {
  readonly status: Exclude<RetrainingStatus, 'running'>;
};

/**
 * Retraining runs: build the training rows from the schedule's source, train a challenger
 * with the champion's plugin and parameters (or each listed plugin), measure champion and
 * challengers on one fresh held-out split, and promote the best challenger only when it
 * beats the champion by the margin and passes its guards. The chosen challenger is always
 * registered — as a candidate when it is not promoted — so that it can be promoted by hand;
 * the other candidates are kept as figures in the run only. Each run holds its schedule's
 * lock from start to end, so runs of one schedule never overlap, in this process or another.
 *
 * Known shortcoming: when the source overlaps the champion's own training rows (the same
 * dataset, say), the fresh held-out split holds rows the champion has seen, which favours
 * the champion; rows cannot be matched across sources to leave them out.
 */
@Injectable()
export class RetrainingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetrainingService.name);
  /** This process, as lock holders name it. */
  readonly instance = `${os.hostname()}#${process.pid}`;
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly plugins: PluginRegistry,
    private readonly sources: TrainingSources,
    private readonly drift: DriftService,
    private readonly clock: SchedulingClock,
  ) {}

  /** Runs left `running` whose lock is gone or expired belong to a process that stopped. */
  async onApplicationBootstrap(): Promise<void> {
    const stale: { id: string }[] = await this.dataSource.query(
      `SELECT r."id" FROM "retraining_runs" r WHERE r."status" = 'running' AND NOT EXISTS (
         SELECT 1 FROM "schedule_locks" l WHERE l."schedule_id" = r."schedule_id"
           AND l."holder" = r."holder" AND l."expires_at" >= ?)`,
      [this.clock.now().getTime()],
    );
    for (const { id } of stale) {
      await this.finish(id, {
        status: 'failed',
        reason: 'interrupted: the process running it stopped',
        error: {
          code: 'retraining_interrupted',
          message: 'The process stopped during this run; the champion was not changed.',
        },
      });
      this.logger.warn({ retrainingRunId: id }, `Retraining run ${id} was interrupted`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    const running = [...this.running.values()];
    for (const run of running) run.controller.abort();
    await Promise.allSettled(running.map((run) => run.done));
  }

  /**
   * Takes the schedule's lock and starts a run; resolves once the run is recorded, with a
   * promise of its end. Without the lock (another run is under way here or elsewhere), or
   * for an occurrence some process has already run, nothing starts.
   */
  async start(
    schedule: RetrainingScheduleEntity,
    request: RetrainingRequest,
  ): Promise<RetrainingStart> {
    const id = randomUUID();
    const holder = `${this.instance}/${id}`;
    const lease = await ScheduleLease.take({
      dataSource: this.dataSource,
      scheduleId: schedule.id,
      holder,
      now: () => this.clock.now().getTime(),
    });
    if (!lease) {
      const rows: { holder: string }[] = await this.dataSource.query(
        `SELECT "holder" FROM "schedule_locks" WHERE "schedule_id" = ?`,
        [schedule.id],
      );

      return { started: false, reason: 'locked', holder: rows[0]?.holder ?? null };
    }

    let entity: RetrainingRunEntity;
    try {
      const scheduledFor = request.scheduledFor?.toISOString() ?? null;
      const done =
        scheduledFor === null ? null : await this.findOccurrence(schedule.id, scheduledFor);
      if (done) {
        await lease.release();

        return { started: false, reason: 'occurrence_done', run: runView(done) };
      }
      entity = this.newRun(id, schedule, request, holder);
      await inTransaction(this.dataSource, (manager) =>
        manager
          .getRepository(RetrainingRunEntity)
          .insert(entity as QueryDeepPartialEntity<RetrainingRunEntity>),
      );
    } catch (error) {
      await lease.release();
      const existing =
        error instanceof QueryFailedError && request.scheduledFor
          ? await this.findOccurrence(schedule.id, request.scheduledFor.toISOString())
          : null;
      if (existing) {
        return { started: false, reason: 'occurrence_done', run: runView(existing) };
      }
      throw error;
    }
    this.log(
      id,
      `started (${request.trigger}, by ${request.actor}) for model ${schedule.modelName}`,
    );

    const controller = new AbortController();
    const done = this.execute(entity, settingsOf(schedule), controller.signal, lease)
      .catch((error: unknown) =>
        this.logger.error(
          { retrainingRunId: id, err: error },
          `Retraining run ${id}: its end could not be recorded`,
        ),
      )
      .then(() => lease.release())
      .catch((error: unknown) =>
        this.logger.warn(
          { retrainingRunId: id, err: error },
          `Retraining run ${id}: its lock could not be released; it will expire`,
        ),
      )
      .then(() => this.getRun(id))
      .finally(() => this.running.delete(id));
    this.running.set(id, { controller, done });

    return { started: true, run: runView(entity), done };
  }

  /** @throws NotFoundError `retraining_run_not_found`. */
  async getRun(id: string): Promise<RetrainingRunView> {
    const entity = await this.dataSource.getRepository(RetrainingRunEntity).findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('retraining_run', id);
    }

    return runView(entity);
  }

  /** Runs newest first, of one schedule or one model. */
  async listRuns(
    where: { scheduleId?: string; modelName?: string },
    limit = 50,
  ): Promise<RetrainingRunView[]> {
    const entities = await this.dataSource.getRepository(RetrainingRunEntity).find({
      where: {
        ...(where.scheduleId !== undefined ? { scheduleId: where.scheduleId } : {}),
        ...(where.modelName !== undefined ? { modelName: where.modelName } : {}),
      },
      order: { startedAt: 'DESC' },
      take: limit,
    });

    return entities.map(runView);
  }

  private newRun(
    id: string,
    schedule: RetrainingScheduleEntity,
    request: RetrainingRequest,
    holder: string,
  ): RetrainingRunEntity {
    return {
      id,
      scheduleId: schedule.id,
      modelName: schedule.modelName,
      trigger: request.trigger,
      status: 'running',
      scheduledFor: request.scheduledFor?.toISOString() ?? null,
      holder,
      actor: request.actor,
      startedAt: this.clock.now().toISOString(),
      finishedAt: null,
      metric: schedule.metric,
      // A fresh split for every run, and one that the run's id reproduces.
      seed: Number.parseInt(id.slice(0, 8), 16),
      datasetId: null,
      rows: null,
      testRows: null,
      championVersion: null,
      championValue: null,
      championEce: null,
      challengerVersion: null,
      challengerPluginId: null,
      challengerValue: null,
      challengerEce: null,
      drift: null,
      candidates: [],
      guards: [],
      decision: null,
      reason: null,
      error: null,
    };
  }

  /** The whole run; never throws: whatever goes wrong ends the run `failed`. */
  private async execute(
    run: RetrainingRunEntity,
    settings: ScheduleSettings,
    signal: AbortSignal,
    lease: ScheduleLease,
  ): Promise<void> {
    let result: RunResult;
    try {
      result = await this.compareAndDecide(run, settings, signal, lease);
    } catch (error) {
      lease.stop();
      await this.fail(run.id, error, signal.aborted);

      return;
    }
    lease.stop();
    await this.finish(run.id, result);
    this.log(run.id, `${result.status}: ${result.reason ?? ''}`);
  }

  private async compareAndDecide(
    run: RetrainingRunEntity,
    settings: ScheduleSettings,
    signal: AbortSignal,
    lease: ScheduleLease,
  ): Promise<RunResult> {
    const { modelName, metric } = settings;
    const champion = await this.champion(modelName);
    const skip = await this.driftGate(run, settings, champion);
    if (skip) {
      return skip;
    }

    const set = await this.sources.load(settings.source);
    const positives = set.labels.reduce((sum, label) => sum + label, 0);
    const dataGuards = trainingDataGuards({
      rows: set.labels.length,
      positives,
      guards: settings.guards,
    });
    await this.update(run.id, { datasetId: set.datasetId, rows: set.labels.length });
    this.log(run.id, `${set.labels.length} labelled rows from ${set.description}`);
    const failed = dataGuards.filter((g) => !g.passed);
    if (failed.length > 0) {
      const which = failed.map((g) => `guard ${g.guard} failed (${g.detail})`).join('; ');

      return {
        status: 'kept',
        decision: 'keep',
        guards: dataGuards,
        championVersion: champion?.version ?? null,
        reason:
          `no challenger trained: ${which}` +
          (champion ? `; champion version ${champion.version} stays` : ''),
      };
    }

    const options = trainingOptions(champion, settings, run.seed);
    const split = stratifiedSplit(set.labels, { testShare: options.testShare, seed: options.seed });
    const testRecords = Array.from(split.test, (row) => set.records[row]);
    const testLabels = Uint8Array.from(split.test, (row) => set.labels[row]);
    const championReport = champion
      ? await this.measureChampion(champion, testRecords, testLabels)
      : null;
    if (champion && championReport) {
      await this.update(run.id, {
        testRows: testLabels.length,
        championVersion: champion.version,
        championValue: championReport[metric],
        championEce: championReport.expectedCalibrationError,
      });
    }

    const { candidates, trained } = await this.trainCandidates(
      run.id,
      set,
      settings,
      champion,
      options,
      signal,
    );
    await this.update(run.id, { candidates, testRows: testLabels.length });
    if (trained.length === 0) {
      const errors = candidates.map((c) => `${c.pluginId}: ${c.error?.message}`).join('; ');
      throw new UserError(
        'retraining_no_challenger',
        `Every candidate failed to train: ${errors}`,
        422,
      );
    }
    const decision = decideRetraining({
      metric,
      margin: settings.margin,
      maxEceIncrease: settings.guards.maxEceIncrease,
      champion:
        champion && championReport
          ? {
              version: champion.version,
              value: championReport[metric],
              ece: championReport.expectedCalibrationError,
            }
          : null,
      challengers: trained.map((outcome) => ({
        label: outcome.pluginId,
        value: outcome.metrics.test[metric],
        ece: outcome.metrics.test.expectedCalibrationError,
      })),
    });
    const chosen = trained[decision.chosen];

    const [created] = await this.models.createVersions({
      modelName,
      datasetId: set.datasetId,
      trainingJobId: null,
      outcomes: [chosen],
      promote: 'none',
    });
    this.log(run.id, `challenger registered as version ${created.version} (${chosen.pluginId})`);
    await this.rememberDriftReference(run.id, modelName, created.version, chosen, set, split.train);

    const guards: GuardResult[] = [...dataGuards, ...decision.guards];
    const figures = {
      testRows: testLabels.length,
      challengerVersion: created.version,
      challengerPluginId: chosen.pluginId,
      challengerValue: chosen.metrics.test[metric],
      challengerEce: chosen.metrics.test.expectedCalibrationError,
      guards,
    };
    if (decision.action === 'keep') {
      return {
        ...figures,
        status: 'kept',
        decision: 'keep',
        reason: `${decision.reason}; version ${created.version} kept as a candidate`,
      };
    }

    if (!lease.isHeld) {
      throw new Error(
        'The schedule lock was lost during the run; the challenger was not promoted.',
      );
    }
    const reason =
      `${decision.reason} on the same ${testLabels.length} held-out rows of ${set.description} ` +
      `(retraining run ${run.id})`;
    await this.models.promote(modelName, created.version, { actor: run.actor, reason });

    return { ...figures, status: 'promoted', decision: 'promote', reason };
  }

  /**
   * In `on_drift` mode, the result of a scheduled run that has no drift to act on; null when
   * the run should go on. Without a champion there is nothing to measure drift against.
   */
  private async driftGate(
    run: RetrainingRunEntity,
    settings: ScheduleSettings,
    champion: ModelVersionView | null,
  ): Promise<RunResult | null> {
    if (settings.drift.mode !== 'on_drift' || run.trigger !== 'schedule' || !champion) {
      return null;
    }
    const { threshold } = settings.drift;
    const report = await this.drift.latestReport(settings.modelName, champion.version);
    if (report && report.drift > threshold) {
      await this.update(run.id, { drift: report.drift });
      this.log(run.id, `drift ${report.drift.toFixed(4)} is above ${threshold}`);

      return null;
    }

    return {
      status: 'skipped',
      decision: 'skip',
      championVersion: champion.version,
      drift: report?.drift ?? null,
      reason: report
        ? `drift ${report.drift.toFixed(4)} (largest PSI, ${report.maxFeature ?? 'score'}) is ` +
          `not above the threshold ${threshold}; champion version ${champion.version} needs ` +
          'no retraining'
        : `no drift report for champion version ${champion.version} yet; score customers ` +
          'with it (POST /scoring/runs) to measure drift',
    };
  }

  private async champion(modelName: string): Promise<ModelVersionView | null> {
    try {
      const model = await this.models.getModel(modelName);

      return model.champion === null
        ? null
        : await this.models.getVersion(modelName, model.champion);
    } catch (error) {
      if (error instanceof NotFoundError) {
        return null;
      }
      throw error;
    }
  }

  /** The champion's stored pipeline, plugin model and calibrator on the run's held-out rows. */
  private async measureChampion(
    champion: ModelVersionView,
    records: readonly CustomerAttributes[],
    labels: Uint8Array,
  ): Promise<EvaluationReport> {
    const scorer = await this.models.loadScorer(champion.modelName, champion.version);
    const probabilities = await scorer.score(records);

    return evaluate({ labels, probabilities, threshold: scorer.threshold });
  }

  private async trainCandidates(
    runId: string,
    set: LoadedTrainingSet,
    settings: ScheduleSettings,
    champion: ModelVersionView | null,
    options: TrainingOptions,
    signal: AbortSignal,
  ): Promise<{ candidates: CandidateOutcome[]; trained: TrainingOutcome[] }> {
    const choices =
      settings.plugins ?? (champion ? [{ id: champion.pluginId, params: champion.params }] : []);
    if (choices.length === 0) {
      throw new UserError(
        'retraining_no_plugins',
        `Model "${settings.modelName}" has no champion to copy a plugin from; list the plugins ` +
          'to train in the schedule ($.plugins).',
        422,
        [{ path: '$.plugins', message: 'required while the model has no champion' }],
      );
    }

    const candidates: CandidateOutcome[] = [];
    const trained: TrainingOutcome[] = [];
    for (const [i, choice] of choices.entries()) {
      const started = performance.now();
      try {
        const plugin = this.plugins.get(choice.id, `$.plugins[${i}].id`);
        const params = this.plugins.validateParams(
          choice.id,
          choice.params,
          `$.plugins[${i}].params`,
        );
        const outcome = await trainModel({ data: set, plugin, params, options, signal });
        const test = outcome.metrics.test;
        trained.push(outcome);
        candidates.push({
          pluginId: choice.id,
          params,
          value: test[settings.metric],
          ece: test.expectedCalibrationError,
          seconds: (performance.now() - started) / 1000,
          error: null,
        });
        this.log(
          runId,
          `challenger ${choice.id}: ${settings.metric} ${test[settings.metric].toFixed(4)}, ` +
            `ECE ${test.expectedCalibrationError.toFixed(4)} on ${test.rows} held-out rows`,
        );
      } catch (error) {
        if (error instanceof CancelledError || signal.aborted) throw error;
        candidates.push({
          pluginId: choice.id,
          params: choice.params ?? {},
          value: null,
          ece: null,
          seconds: (performance.now() - started) / 1000,
          error: this.candidateError(runId, choice.id, error),
        });
      }
    }

    return { candidates, trained };
  }

  private candidateError(
    runId: string,
    pluginId: string,
    error: unknown,
  ): { code: string; message: string } {
    if (error instanceof UserError) {
      this.logger.warn(
        { retrainingRunId: runId, pluginId, code: error.code },
        `Retraining run ${runId}: challenger ${pluginId} failed: ${error.code}`,
      );

      return { code: error.code, message: error.message };
    }
    const errorId = randomUUID();
    this.logger.error(
      { retrainingRunId: runId, pluginId, errorId, err: error },
      `Retraining run ${runId}: challenger ${pluginId} failed unexpectedly`,
    );

    return { code: 'internal_error', message: `Training failed on our side; error id ${errorId}.` };
  }

  /** Best effort: a drift reference is a convenience, never a reason to fail the run. */
  private async rememberDriftReference(
    runId: string,
    modelName: string,
    version: number,
    outcome: TrainingOutcome,
    set: LoadedTrainingSet,
    trainRows: Uint32Array,
  ): Promise<void> {
    try {
      const scorer = await this.models.loadScorer(modelName, version);
      await this.drift.rememberReference(
        scorer,
        outcome.pipeline,
        Array.from(trainRows, (row) => set.records[row]),
      );
    } catch (error) {
      this.logger.warn(
        { retrainingRunId: runId, err: error },
        `Retraining run ${runId}: no drift reference stored for version ${version}`,
      );
    }
  }

  private async fail(id: string, error: unknown, aborted: boolean): Promise<void> {
    if (error instanceof CancelledError || aborted) {
      await this.finish(id, {
        status: 'failed',
        reason: 'interrupted by shutdown; the champion was not changed',
        error: { code: 'retraining_interrupted', message: 'The process stopped during this run.' },
      });
      this.log(id, 'interrupted by shutdown');

      return;
    }
    if (error instanceof UserError) {
      await this.finish(id, {
        status: 'failed',
        reason: `${error.message}; the champion was not changed`,
        error: { code: error.code, message: error.message },
      });
      this.logger.warn(
        { retrainingRunId: id, code: error.code },
        `Retraining run ${id} failed: ${error.code}`,
      );

      return;
    }
    const errorId = randomUUID();
    this.logger.error(
      { retrainingRunId: id, errorId, err: error },
      `Retraining run ${id} failed unexpectedly`,
    );
    await this.finish(id, {
      status: 'failed',
      reason: 'failed unexpectedly; the champion was not changed',
      error: {
        code: 'internal_error',
        message: `The run failed on our side. Quote error id ${errorId} when reporting it.`,
        errorId,
      },
    });
  }

  private findOccurrence(
    scheduleId: string,
    scheduledFor: string,
  ): Promise<RetrainingRunEntity | null> {
    return this.dataSource
      .getRepository(RetrainingRunEntity)
      .findOneBy({ scheduleId, scheduledFor });
  }

  private update(id: string, fields: Partial<RetrainingRunEntity>): Promise<unknown> {
    return inTransaction(this.dataSource, (manager) =>
      manager
        .getRepository(RetrainingRunEntity)
        .update({ id, status: 'running' }, fields as QueryDeepPartialEntity<RetrainingRunEntity>),
    );
  }

  /**
   * Records the end of a run and gives up its lock in one write, so that whoever sees the
   * run ended can start the next one.
   */
  private finish(id: string, result: RunResult): Promise<unknown> {
    return inTransaction(this.dataSource, async (manager) => {
      await manager.getRepository(RetrainingRunEntity).update({ id, status: 'running' }, {
        ...result,
        finishedAt: this.clock.now().toISOString(),
      } as QueryDeepPartialEntity<RetrainingRunEntity>);
      await manager.query(
        `DELETE FROM "schedule_locks" WHERE ("schedule_id", "holder") IN
           (SELECT "schedule_id", "holder" FROM "retraining_runs" WHERE "id" = ?)`,
        [id],
      );
    });
  }

  private log(runId: string, message: string): void {
    this.logger.log({ retrainingRunId: runId }, `Retraining run ${runId}: ${message}`);
  }
}

/** The champion's training options (calibration, preprocessing), on the run's own split. */
function trainingOptions(
  champion: ModelVersionView | null,
  settings: ScheduleSettings,
  seed: number,
): TrainingOptions {
  const stored = (champion?.metrics.training ?? {}) as Partial<TrainingOptions>;

  return {
    ...DEFAULT_TRAINING_OPTIONS,
    ...stored,
    testShare: settings.testShare,
    seed,
    cvFolds: 0,
  };
}
