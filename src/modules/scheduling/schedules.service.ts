import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError, NotFoundError, UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { inTransaction } from '../../database/unit-of-work';
import { ModelsService } from '../models/models.service';
import { PluginRegistry } from '../models/plugin-registry.service';
import { nextOccurrence, occurrenceOf } from './cron-timing';
import { RetrainingScheduleEntity } from './entities/retraining-schedule.entity';
import { ScheduleLockEntity } from './entities/schedule-lock.entity';
import { RetrainingService, RetrainingStart } from './retraining.service';
import {
  parseScheduleSettings,
  patchScheduleSettings,
  ScheduleSettings,
} from './schedule-settings';
import { SchedulingClock } from './scheduling-clock';
import {
  RetrainingRunView,
  ScheduleJobState,
  scheduleView,
  ScheduleView,
  settingsColumns,
  settingsOf,
} from './scheduling-views';
import { TrainingSources } from './training-sources';

/** The SchedulerRegistry name of a schedule's cron job. */
export function cronJobName(scheduleId: string): string {
  return `retraining:${scheduleId}`;
}

/**
 * Retraining schedules: stored in the database, changed at run time, and each enabled one
 * registered as a cron job with `@nestjs/schedule` (in its time zone) and started. At
 * start-up every enabled schedule is registered again. A tick reads its schedule afresh,
 * so a schedule disabled or deleted by another process stops running here too.
 *
 * Known shortcoming: a new cron expression set through another process reaches this one
 * only at its job's next tick (or a restart); processes do not tell each other.
 */
@Injectable()
export class SchedulesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchedulesService.name);
  /** The cron expression and zone each registered job was built with. */
  private readonly registered = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly retraining: RetrainingService,
    private readonly sources: TrainingSources,
    private readonly plugins: PluginRegistry,
    private readonly models: ModelsService,
    private readonly clock: SchedulingClock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.schedulerEnabled) {
      return;
    }
    const enabled = await this.repository().find({ where: { enabled: true } });
    for (const schedule of enabled) {
      this.register(schedule);
    }
    if (enabled.length > 0) {
      this.logger.log(`Retraining schedules restored: ${enabled.length}`);
    }
  }

  onModuleDestroy(): void {
    for (const id of [...this.registered.keys()]) {
      this.unregister(id);
    }
  }

  /**
   * @throws UserError `schedule_invalid` (400, JSON paths), `plugin_unknown`,
   *   `plugin_params_invalid`, `schedule_plugins_required` (422); NotFoundError
   *   `dataset_not_found`; ConflictError `schedule_exists` (one schedule per model).
   */
  async create(input: unknown): Promise<ScheduleView> {
    const settings = parseScheduleSettings(input, (value, path, problems) =>
      this.sources.parse(value, path, problems),
    );
    await this.check(settings);
    const now = this.clock.now().toISOString();
    const entity: RetrainingScheduleEntity = {
      id: randomUUID(),
      ...settingsColumns(settings),
      createdAt: now,
      updatedAt: now,
    };

    await inTransaction(this.dataSource, async (manager) => {
      const taken = await manager
        .getRepository(RetrainingScheduleEntity)
        .findOneBy({ modelName: settings.modelName });
      if (taken) {
        throw new ConflictError(
          'schedule_exists',
          `Model "${settings.modelName}" already has retraining schedule ${taken.id}; change it ` +
            `(PATCH /schedules/${taken.id}) instead of adding another.`,
          [{ path: '$.modelName', message: 'already scheduled' }],
        );
      }
      await manager
        .getRepository(RetrainingScheduleEntity)
        .insert(entity as QueryDeepPartialEntity<RetrainingScheduleEntity>);
    });
    this.logger.log(
      `Retraining schedule ${entity.id} created: model ${entity.modelName}, "${entity.cron}" ` +
        `${entity.timeZone}${entity.enabled ? '' : ' (disabled)'}`,
    );
    this.sync(entity);

    return this.view(entity);
  }

  async list(): Promise<ScheduleView[]> {
    const entities = await this.repository().find({ order: { modelName: 'ASC' } });

    return entities.map((entity) => this.view(entity));
  }

  /** @throws NotFoundError `retraining_schedule_not_found`. */
  async get(id: string): Promise<ScheduleView> {
    return this.view(await this.find(id));
  }

  /** Changes the fields given; the cron job follows (re-registered, started or removed). */
  async update(id: string, input: unknown): Promise<ScheduleView> {
    const current = await this.find(id);
    const settings = patchScheduleSettings(settingsOf(current), input, (value, path, problems) =>
      this.sources.parse(value, path, problems),
    );
    await this.check(settings);
    const entity: RetrainingScheduleEntity = {
      ...current,
      ...settingsColumns(settings),
      updatedAt: this.clock.now().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager
        .getRepository(RetrainingScheduleEntity)
        .update(
          id,
          settingsColumnsWithTime(entity) as QueryDeepPartialEntity<RetrainingScheduleEntity>,
        ),
    );
    this.logger.log(`Retraining schedule ${id} changed: "${entity.cron}" ${entity.timeZone}`);
    this.sync(entity);

    return this.view(entity);
  }

  /** Removes the schedule and its cron job; its runs stay, as history. */
  async remove(id: string): Promise<void> {
    await this.find(id);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.getRepository(RetrainingScheduleEntity).delete(id);
      await manager.getRepository(ScheduleLockEntity).delete({ scheduleId: id });
    });
    this.unregister(id);
    this.logger.log(`Retraining schedule ${id} deleted`);
  }

  /** @throws NotFoundError `retraining_schedule_not_found`. */
  async listRuns(id: string, limit?: number): Promise<RetrainingRunView[]> {
    await this.find(id);

    return this.retraining.listRuns({ scheduleId: id }, limit);
  }

  /**
   * Retrains a model now with its schedule's settings (drift mode aside: a run asked for by
   * hand always trains), taking the schedule's lock like a tick does.
   *
   * @throws NotFoundError `retraining_schedule_not_found`; ConflictError
   *   `retraining_in_progress` while another run of the schedule holds the lock.
   */
  async retrainModel(
    modelName: string,
    actor: string,
  ): Promise<{ run: RetrainingRunView; done: Promise<RetrainingRunView> }> {
    const schedule = await this.repository().findOneBy({ modelName });
    if (!schedule) {
      throw new UserError(
        'retraining_schedule_not_found',
        `Model "${modelName}" has no retraining schedule; create one (POST /schedules or ` +
          '`bullseye schedule create`) to say what to retrain it on.',
        404,
      );
    }
    const start = await this.retraining.start(schedule, {
      trigger: 'manual',
      actor,
      scheduledFor: null,
    });
    if (!start.started) {
      throw new ConflictError(
        'retraining_in_progress',
        `Model "${modelName}" is being retrained already` +
          `${start.reason === 'locked' && start.holder ? ` (by ${start.holder})` : ''}; ` +
          'wait for that run to end and ask again.',
      );
    }
    start.done.catch(() => undefined);

    return { run: start.run, done: start.done };
  }

  /**
   * One tick of a schedule's cron job, for the occurrence the clock says it is: runs it
   * unless another run holds the lock or some process has already run this occurrence.
   * Resolves when the run has ended.
   */
  async tick(id: string): Promise<RetrainingStart | null> {
    const schedule = await this.repository().findOneBy({ id });
    if (!schedule || !schedule.enabled) {
      this.unregister(id);
      this.logger.log(`Retraining schedule ${id} is gone or disabled; its cron job is removed`);

      return null;
    }
    const now = this.clock.now();
    const occurrence =
      occurrenceOf(schedule.cron, schedule.timeZone, now) ??
      new Date(Math.floor(now.getTime() / 1000) * 1000);
    const start = await this.retraining.start(schedule, {
      trigger: 'schedule',
      actor: 'scheduler',
      scheduledFor: occurrence,
    });
    if (!start.started) {
      this.logger.log(
        start.reason === 'locked'
          ? `Retraining schedule ${id}: tick for ${occurrence.toISOString()} skipped, ` +
              `run ${start.holder ?? 'elsewhere'} holds the lock`
          : `Retraining schedule ${id}: ${occurrence.toISOString()} was already run ` +
              `(retraining run ${start.run.id})`,
      );

      return start;
    }
    await start.done;
    this.sync(schedule);

    return start;
  }

  /** Registers, re-registers or removes the schedule's cron job to match it. */
  private sync(schedule: RetrainingScheduleEntity): void {
    if (!this.config.schedulerEnabled) {
      return;
    }
    const shape = `${schedule.cron}|${schedule.timeZone}`;
    if (!schedule.enabled) {
      this.unregister(schedule.id);
    } else if (this.registered.get(schedule.id) !== shape) {
      this.unregister(schedule.id);
      this.register(schedule);
    }
  }

  private register(schedule: RetrainingScheduleEntity): void {
    const name = cronJobName(schedule.id);
    const job = CronJob.from({
      cronTime: schedule.cron,
      timeZone: schedule.timeZone,
      onTick: () => this.tick(schedule.id).then(() => undefined),
      start: false,
      // A tick that comes while the previous one still runs is dropped, not queued.
      waitForCompletion: true,
      name,
      errorHandler: (error) =>
        this.logger.error(
          { scheduleId: schedule.id, err: error },
          `Retraining schedule ${schedule.id}: tick failed`,
        ),
    });
    this.scheduler.addCronJob(name, job);
    job.start();
    this.registered.set(schedule.id, `${schedule.cron}|${schedule.timeZone}`);
    this.logger.debug(
      `Retraining schedule ${schedule.id}: cron job ${name} started, ` +
        `next at ${job.nextDate().toISO()}`,
    );
  }

  private unregister(id: string): void {
    const name = cronJobName(id);
    if (this.scheduler.doesExist('cron', name)) {
      this.scheduler.deleteCronJob(name);
    }
    this.registered.delete(id);
  }

  /** What the other modules must confirm: plugins, the source, and something to train. */
  private async check(settings: ScheduleSettings): Promise<void> {
    settings.plugins?.forEach((plugin, i) => {
      this.plugins.get(plugin.id, `$.plugins[${i}].id`);
      this.plugins.validateParams(plugin.id, plugin.params, `$.plugins[${i}].params`);
    });
    await this.sources.check(settings.source);
    if (settings.plugins === null && !(await this.hasChampion(settings.modelName))) {
      throw new UserError(
        'schedule_plugins_required',
        `Model "${settings.modelName}" has no champion whose plugin and parameters a challenger ` +
          'could copy; list the plugins to train, e.g. "plugins": [{ "id": "logistic" }].',
        422,
        [{ path: '$.plugins', message: 'required while the model has no champion' }],
      );
    }
  }

  private async hasChampion(modelName: string): Promise<boolean> {
    try {
      return (await this.models.getModel(modelName)).champion !== null;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  private view(entity: RetrainingScheduleEntity): ScheduleView {
    return scheduleView(entity, this.jobState(entity));
  }

  private jobState(entity: RetrainingScheduleEntity): ScheduleJobState {
    const name = cronJobName(entity.id);
    const registered = this.scheduler.doesExist('cron', name);

    return {
      registered,
      active: registered && this.scheduler.getCronJob(name).isActive,
      nextRunAt: entity.enabled
        ? nextOccurrence(entity.cron, entity.timeZone, this.clock.now()).toISOString()
        : null,
    };
  }

  private async find(id: string): Promise<RetrainingScheduleEntity> {
    const entity = await this.repository().findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('retraining_schedule', id);
    }

    return entity;
  }

  private repository() {
    return this.dataSource.getRepository(RetrainingScheduleEntity);
  }
}

function settingsColumnsWithTime(
  entity: RetrainingScheduleEntity,
): Omit<RetrainingScheduleEntity, 'id' | 'createdAt'> {
  const { id: _id, createdAt: _createdAt, ...columns } = entity;

  return columns;
}
