import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CancelledError, ConflictError, NotFoundError, UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { DatasetsService } from '../datasets/datasets.service';
import { TrainingJobEntity, TrainingJobStatus } from './entities/training-job.entity';
import { ModelRegistryService } from './model-registry.service';
import { jobView, TrainingJobView } from './model-views';
import { PluginRegistry } from './plugin-registry.service';
import type { NormalisedTrainRequest } from './train-request';
import { trainModel, TrainingOutcome } from './training';

/** A change of a training job, as the in-process listeners (a CLI progress bar) see it. */
export interface TrainingJobEvent {
  readonly jobId: string;
  readonly status: TrainingJobStatus;
  readonly progress: number;
  readonly message: string | null;
}

export type TrainingJobListener = (event: TrainingJobEvent) => void;

const FINISHED: readonly TrainingJobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Progress goes to the database at most this often; listeners hear every step. */
const PROGRESS_WRITE_MS = 250;

/** How long a cancelled plugin may take to stop before its job ends without it. */
const CANCEL_GRACE_MS = 5000;

/**
 * Runs training jobs in this process, one at a time, in the order they were asked for.
 * A job trains each requested plugin in turn and stores all its versions together, so a
 * job that fails or is cancelled leaves no version behind.
 */
@Injectable()
export class TrainingJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TrainingJobsService.name);
  private readonly queue: string[] = [];
  private readonly listeners = new Set<TrainingJobListener>();
  private current: { id: string; controller: AbortController } | null = null;
  private worker: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @InjectRepository(TrainingJobEntity) private readonly jobs: Repository<TrainingJobEntity>,
    private readonly datasets: DatasetsService,
    private readonly plugins: PluginRegistry,
    private readonly registry: ModelRegistryService,
    @Optional() @Inject(APP_CONFIG) private readonly config?: AppConfig,
  ) {}

  /** A job left `running` by a process that stopped is failed; queued ones are picked up. */
  async onApplicationBootstrap(): Promise<void> {
    const stale = await this.jobs.find({ where: { status: 'running' } });
    for (const job of stale) {
      await this.jobs.update(job.id, {
        status: 'failed',
        message: 'interrupted',
        error: {
          code: 'job_interrupted',
          message: 'The process stopped while this job was running; start the training again.',
        },
        finishedAt: new Date(),
      });
      this.logger.warn({ jobId: job.id }, `Training job ${job.id} was interrupted`);
    }
    const queued = await this.jobs.find({
      where: { status: 'queued' },
      order: { createdAt: 'ASC' },
    });
    for (const job of queued) {
      this.queue.push(job.id);
    }
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    this.current?.controller.abort();
    await this.worker;
  }

  async enqueue(modelName: string, request: NormalisedTrainRequest): Promise<TrainingJobView> {
    const job = Object.assign(new TrainingJobEntity(), {
      id: randomUUID(),
      modelName,
      datasetId: request.datasetId,
      request: { ...request } as Record<string, unknown>,
      status: 'queued' as const,
      progress: 0,
      message: this.queue.length || this.current ? 'waiting for earlier jobs' : 'queued',
      result: null,
      error: null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    });
    await this.jobs.insert(job as QueryDeepPartialEntity<TrainingJobEntity>);
    this.queue.push(job.id);
    this.logger.log(
      { jobId: job.id },
      `Training job ${job.id} queued: model ${modelName}, ` +
        `plugins ${request.plugins.map((p) => p.id).join(', ')}`,
    );
    this.kick();

    return jobView(job);
  }

  /** @throws NotFoundError `training_job_not_found`. */
  async get(id: string): Promise<TrainingJobView> {
    return jobView(await this.find(id));
  }

  /**
   * Cancels a queued job at once; a running job is asked to stop and ends `cancelled`
   * shortly after (its status is still `running` in the answer).
   *
   * @throws ConflictError `training_job_finished` when the job has already ended.
   */
  async cancel(id: string): Promise<TrainingJobView> {
    const job = await this.find(id);
    if (FINISHED.includes(job.status)) {
      throw new ConflictError(
        'training_job_finished',
        `Training job ${id} has already ended (${job.status}); there is nothing to cancel.`,
      );
    }
    if (this.current?.id === id) {
      this.current.controller.abort();
      await this.jobs.update(id, { message: 'cancelling' });
      this.logger.log({ jobId: id }, `Training job ${id}: cancellation requested`);

      return this.get(id);
    }

    const position = this.queue.indexOf(id);
    if (position >= 0) this.queue.splice(position, 1);
    await this.finish(id, 'cancelled', { message: 'cancelled before it started' });

    return this.get(id);
  }

  /** Resolves once the job has ended, with its final state. */
  async wait(id: string, pollMs = 200): Promise<TrainingJobView> {
    for (;;) {
      const job = await this.get(id);
      if (FINISHED.includes(job.status)) {
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Hears every progress step and status change of every job; returns an unsubscribe. */
  onEvent(listener: TrainingJobListener): () => void {
    this.listeners.add(listener);

    return () => this.listeners.delete(listener);
  }

  private kick(): void {
    if (this.worker || this.stopping) {
      return;
    }
    this.worker = (async () => {
      // Let the request that queued the job be answered first.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0 && !this.stopping) {
        await this.run(this.queue.shift() as string);
      }
    })().finally(() => {
      this.worker = null;
      // A job queued while the loop was ending would otherwise wait for the next one.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async run(id: string): Promise<void> {
    const job = await this.jobs.findOne({ where: { id } });
    if (!job || job.status !== 'queued') {
      return;
    }
    const controller = new AbortController();
    this.current = { id, controller };
    const progress = this.progressWriter(id);
    const request = job.request as unknown as NormalisedTrainRequest;

    try {
      await this.jobs.update(id, { status: 'running', startedAt: new Date(), message: 'loading' });
      this.emit({ jobId: id, status: 'running', progress: 0, message: 'loading' });
      this.logger.log({ jobId: id }, `Training job ${id} started`);

      const set = await this.datasets.loadTrainingSet(request.datasetId);
      const outcomes: TrainingOutcome[] = [];
      const count = request.plugins.length;
      for (const [i, choice] of request.plugins.entries()) {
        const training = trainModel({
          data: set,
          plugin: this.plugins.get(choice.id),
          params: choice.params,
          options: request.options,
          signal: controller.signal,
          onProgress: (step) =>
            progress.report((i + step.fraction) / count, `${choice.id}: ${step.message}`),
        });
        const outcome = await withinLimits(training, {
          pluginId: choice.id,
          seconds: this.config?.trainingTimeoutSeconds ?? 3600,
          controller,
        });
        outcomes.push(outcome);
        this.logger.log(
          { jobId: id, pluginId: choice.id },
          `Training job ${id}: ${choice.id} test ROC AUC ${outcome.metrics.test.rocAuc.toFixed(4)} ` +
            `in ${outcome.timings.totalSeconds.toFixed(1)} s`,
        );
      }
      if (controller.signal.aborted) {
        throw new CancelledError();
      }

      const versions = await this.registry.createVersions({
        modelName: job.modelName,
        description: request.description,
        datasetId: request.datasetId,
        trainingJobId: id,
        outcomes,
        promote: request.promote,
      });
      await progress.flush();
      const promoted =
        request.promote === 'best'
          ? versions.reduce((a, b) => (b.rocAuc > a.rocAuc ? b : a)).version
          : null;
      await this.finish(id, 'succeeded', {
        progress: 1,
        message:
          `created version${versions.length > 1 ? 's' : ''} ` +
          versions.map((v) => v.version).join(', '),
        result: {
          versions: versions.map((version, i) => ({
            version: version.version,
            versionId: version.id,
            pluginId: version.pluginId,
            metrics: resultMetrics(outcomes[i]),
          })),
          promoted,
        },
      });
    } catch (error) {
      await progress.flush();
      await this.fail(id, error, controller.signal.aborted);
    } finally {
      this.current = null;
    }
  }

  private async fail(id: string, error: unknown, aborted: boolean): Promise<void> {
    if (error instanceof CancelledError || (aborted && !(error instanceof UserError))) {
      const message = this.stopping ? 'interrupted by shutdown' : 'cancelled';
      await this.finish(id, this.stopping ? 'failed' : 'cancelled', {
        message,
        ...(this.stopping
          ? { error: { code: 'job_interrupted', message: 'The process stopped during training.' } }
          : {}),
      });
      this.logger.log({ jobId: id }, `Training job ${id}: ${message}`);

      return;
    }
    if (error instanceof UserError) {
      await this.finish(id, 'failed', {
        message: error.message,
        error: { code: error.code, message: error.message, details: error.details },
      });
      this.logger.warn({ jobId: id, code: error.code }, `Training job ${id} failed: ${error.code}`);

      return;
    }

    const errorId = randomUUID();
    this.logger.error({ jobId: id, errorId, err: error }, `Training job ${id} failed unexpectedly`);
    await this.finish(id, 'failed', {
      message: 'failed unexpectedly',
      error: {
        code: 'internal_error',
        message: `The training failed on our side. Quote error id ${errorId} when reporting it.`,
        errorId,
      },
    });
  }

  private async finish(
    id: string,
    status: TrainingJobStatus,
    fields: Partial<Pick<TrainingJobEntity, 'progress' | 'message' | 'result' | 'error'>>,
  ): Promise<void> {
    await this.jobs.update({ id, status: In(['queued', 'running']) }, {
      ...fields,
      status,
      finishedAt: new Date(),
    } as QueryDeepPartialEntity<TrainingJobEntity>);
    const job = await this.find(id);
    this.emit({ jobId: id, status: job.status, progress: job.progress, message: job.message });
    if (status === 'succeeded') {
      this.logger.log({ jobId: id }, `Training job ${id} succeeded: ${job.message}`);
    }
  }

  /** Emits every step; writes to the database when the last write is 250 ms old. */
  private progressWriter(id: string): {
    report(fraction: number, message: string): void;
    flush(): Promise<void>;
  } {
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();

    return {
      report: (fraction, message) => {
        const progress = Math.min(1, Math.max(0, fraction));
        this.emit({ jobId: id, status: 'running', progress, message });
        const now = Date.now();
        if (now - lastWrite >= PROGRESS_WRITE_MS) {
          lastWrite = now;
          writing = writing
            .then(() => this.jobs.update({ id, status: 'running' }, { progress, message }))
            .catch((error: unknown) =>
              this.logger.warn({ jobId: id, err: error }, `Training job ${id}: progress not saved`),
            );
        }
      },
      flush: async () => {
        await writing;
      },
    };
  }

  private emit(event: TrainingJobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ jobId: event.jobId, err: error }, 'A training job listener threw');
      }
    }
  }

  private async find(id: string): Promise<TrainingJobEntity> {
    const job = await this.jobs.findOne({ where: { id } });
    if (!job) {
      throw new NotFoundError('training_job', id);
    }

    return job;
  }
}

/**
 * Settles with `training`, unless the plugin runs past the time limit (the signal is aborted
 * and a `training_timeout` error returned) or keeps going for `CANCEL_GRACE_MS` after being
 * cancelled (a `CancelledError`). A plugin that ignores its signal is left running, unheard,
 * so that it cannot hold the job queue; one that blocks the event loop cannot be stopped.
 */
export function withinLimits<T>(
  training: Promise<T>,
  limits: { pluginId: string; seconds: number; controller: AbortController },
): Promise<T> {
  const { pluginId, seconds, controller } = limits;
  const timers: NodeJS.Timeout[] = [];
  let onAbort = (): void => undefined;
  const stop = new Promise<never>((_, reject) => {
    onAbort = () =>
      timers.push(
        setTimeout(
          () => reject(new CancelledError(`Plugin "${pluginId}" did not stop when cancelled.`)),
          CANCEL_GRACE_MS,
        ),
      );
    controller.signal.addEventListener('abort', onAbort, { once: true });
    // setTimeout takes at most 2³¹ − 1 ms; a longer limit would fire at once.
    const limitMs = Math.min(seconds * 1000, 2 ** 31 - 1);
    timers.push(
      setTimeout(() => {
        reject(
          new UserError(
            'training_timeout',
            `Plugin "${pluginId}" was still training after ${seconds} s, the limit set by ` +
              'BULLSEYE_TRAINING_TIMEOUT_S; train on fewer rows, choose faster ' +
              'hyperparameters or raise the limit.',
            422,
            [{ message: 'training took too long', pluginId, limitSeconds: seconds }],
          ),
        );
        controller.abort();
      }, limitMs),
    );
  });
  // Once the limit has answered, a late failure of the abandoned training goes nowhere.
  training.catch(() => undefined);

  return Promise.race([training, stop]).finally(() => {
    timers.forEach(clearTimeout);
    controller.signal.removeEventListener('abort', onAbort);
  });
}

/** The figures of one version that a job's result lists. */
function resultMetrics(outcome: TrainingOutcome): Record<string, unknown> {
  const { test, trainRocAuc, cv } = outcome.metrics;

  return {
    rocAuc: test.rocAuc,
    prAuc: test.prAuc,
    logLoss: test.logLoss,
    brier: test.brier,
    f1: test.f1,
    threshold: outcome.threshold,
    meanPredicted: test.meanPredicted,
    positiveRate: test.positiveRate,
    trainRocAuc,
    cvMeanRocAuc: cv?.meanRocAuc ?? null,
    cvStdRocAuc: cv?.stdRocAuc ?? null,
    fitSeconds: outcome.timings.fitSeconds,
    totalSeconds: outcome.timings.totalSeconds,
  };
}
