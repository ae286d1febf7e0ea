import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsOrder, FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError, NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import { DatasetsService } from '../datasets/datasets.service';
import type { CampaignView } from './campaign.entity';
import { CampaignRunEntity, RunCampaign, runView, RunView } from './campaign-run.entity';
import { CampaignsService } from './campaigns.service';
import { emptyCounts } from './decision-core';
import {
  checkLimit,
  DecisionEntity,
  DecisionExplanation,
  decisionView,
  DecisionView,
  explanationOf,
  Page,
  PageArgs,
} from './decision.entity';
import {
  checkBatchSize,
  DecisionContext,
  ScoredBatch,
  SimulationService,
} from './simulation.service';
import { DecidedAhead, handled, RunBatchWriter } from './run-batch-writer';

export interface StartRunArgs {
  readonly campaignId: string;
  /** Asking again with the same key returns the run, or resumes it; a new key when absent. */
  readonly runKey?: string;
  readonly batchSize?: number;
  /** Called after each committed batch. */
  readonly onProgress?: (run: RunView) => void;
}
/** `created`: a new run; `existing`: the key's run, finished or in progress; `resumed`. */
export type RunOutcome = 'created' | 'existing' | 'resumed';
export interface RunStart {
  /** The run as it is now (before the first new batch). */
  readonly run: RunView;
  readonly outcome: RunOutcome;
  /** Settles when the run has finished (or failed). */
  readonly done: Promise<RunView>;
}
const RUN_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Campaign runs: a campaign applied to every customer in id order, a batch per transaction
 * (score, decide, store the decisions, contacts and deliveries, move the cursor). A run key
 * makes a run idempotent, and a run cut short by a crash or an error resumes after its last
 * committed batch when asked again with the same key.
 */
@Injectable()
export class CampaignRunsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CampaignRunsService.name);
  /** Runs this process is executing, by run id. */
  private readonly executing = new Map<string, Promise<RunView>>();
  /** Set when the application shuts down: runs stop after their current batch. */
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly simulation: SimulationService,
    private readonly datasets: DatasetsService,
    private readonly batches: RunBatchWriter,
  ) {}

  /** Runs left `running` by a process that stopped are marked `interrupted`, to resume. */
  async onApplicationBootstrap(): Promise<void> {
    const stopped = await this.repository().find({ where: { status: 'running' } });
    if (stopped.length === 0) {
      return;
    }

    await inTransaction(this.dataSource, (manager) =>
      manager
        .getRepository(CampaignRunEntity)
        .update({ status: 'running' }, { status: 'interrupted' }),
    );
    for (const run of stopped) {
      this.logger.warn(
        { runId: run.id },
        `Run ${run.id} of campaign ${run.campaignId} was interrupted after ${run.batches} ` +
          `batches; start it again with run key "${run.runKey}" to resume`,
      );
    }
  }

  /** Lets running runs finish their batch and stop, `interrupted`, to resume later. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  /** Starts (or returns, or resumes) a run and waits until it has finished. */
  async start(args: StartRunArgs): Promise<{ run: RunView; outcome: RunOutcome }> {
    const started = await this.begin(args);

    return { run: await started.done, outcome: started.outcome };
  }

  /**
   * Starts a run, returns the run of the same key, or resumes it when it stopped before the
   * end; `done` settles when it has finished.
   *
   * @throws NotFoundError `campaign_not_found`; ConflictError `campaign_not_active`,
   *   `campaign_outside_dates`, `model_no_champion`; UserError `run_key_invalid`,
   *   `run_batch_size_invalid`.
   */
  async begin(args: StartRunArgs): Promise<RunStart> {
    const runKey = checkRunKey(args.runKey);
    const batchSize = checkBatchSize(args.batchSize);
    const campaign = await this.campaigns.get(args.campaignId);

    const existing = runKey ? await this.findByKey(campaign.id, runKey) : null;
    if (existing) {
      return this.rejoin(existing, campaign, args);
    }
    checkRunnable(campaign, new Date());
    const context = await this.simulation.prepare(campaign);
    const entity = await this.create(campaign, context, runKey ?? randomUUID(), batchSize);
    if (!entity) {
      // The same key was taken meanwhile (another request or process): join that run.
      const raced = (await this.findByKey(campaign.id, runKey as string)) as CampaignRunEntity;

      return this.rejoin(raced, campaign, args);
    }
    const done = this.execute(entity, context, args.onProgress);
    this.logger.log(
      { runId: entity.id },
      `Run ${entity.id} of campaign ${campaign.id} started: model ${context.model.name} ` +
        `version ${context.model.version}, ${entity.customersTotal} customers in batches of ` +
        `${batchSize}`,
    );

    return { run: runView(entity), outcome: 'created', done };
  }

  /** @throws NotFoundError `run_not_found`. */
  async get(id: string): Promise<RunView> {
    return runView(await this.load(id));
  }

  /** The runs of a campaign, newest first. */
  async list(campaignId: string, limit = 100): Promise<RunView[]> {
    await this.campaigns.get(campaignId);
    const entities = await this.repository().find({
      where: { campaignId },
      order: { startedAt: 'DESC', id: 'ASC' },
      take: limit,
    });

    return entities.map(runView);
  }

  /**
   * The decisions of a run in customer order, a page at a time.
   *
   * @throws NotFoundError `run_not_found`.
   */
  async listRunDecisions(runId: string, page: PageArgs = {}): Promise<Page<DecisionView>> {
    await this.load(runId);

    return this.page({ runId }, { customerId: 'ASC', slot: 'ASC' }, page);
  }

  /** A customer's decisions of every campaign, newest first, a page at a time. */
  async listCustomerDecisions(
    customerId: string,
    page: PageArgs = {},
  ): Promise<Page<DecisionView>> {
    return this.page({ customerId }, { decidedAt: 'DESC', id: 'ASC' }, page);
  }

  /**
   * Why a decision was made: the rule with its conditions as they were applied, the score
   * and model version, the holdout and the caps, and the campaign settings behind them.
   *
   * @throws NotFoundError `decision_not_found`.
   */
  async explain(decisionId: string): Promise<DecisionExplanation> {
    const entity = await this.dataSource
      .getRepository(DecisionEntity)
      .findOneBy({ id: decisionId });
    if (!entity) {
      throw new NotFoundError('decision', decisionId);
    }

    const campaign = await this.campaigns.get(entity.campaignId);
    const run = entity.runId ? await this.repository().findOneBy({ id: entity.runId }) : null;

    return explanationOf(decisionView(entity), campaign, run);
  }

  /** Resolves when every run this process executes has settled (for shutdown and tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.executing.values()]);
  }

  private async rejoin(
    entity: CampaignRunEntity,
    campaign: CampaignView,
    args: StartRunArgs,
  ): Promise<RunStart> {
    const executing = this.executing.get(entity.id);
    if (executing) {
      return { run: runView(entity), outcome: 'existing', done: executing };
    }
    if (entity.status === 'succeeded') {
      const run = runView(entity);

      return { run, outcome: 'existing', done: Promise.resolve(run) };
    }

    checkRunnable(campaign, new Date());
    const context = await this.simulation.prepare(
      { ...entity.campaign, id: entity.campaignId, modelName: entity.modelName },
      entity.modelVersion,
    );
    const resumed = await this.markResumed(entity);
    const done = this.execute(resumed, context, args.onProgress);
    this.logger.log(
      { runId: entity.id },
      `Run ${entity.id} resumed (${entity.status} after ${entity.batches} batches, ` +
        `${entity.counts.customers} customers decided)`,
    );

    return { run: runView(resumed), outcome: 'resumed', done };
  }

  /** Inserts the run; null when its key is taken already. */
  private async create(
    campaign: CampaignView,
    context: DecisionContext,
    runKey: string,
    batchSize: number,
  ): Promise<CampaignRunEntity | null> {
    const now = new Date().toISOString();
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      'SELECT COUNT(*) AS "n" FROM "customers"',
    );
    const snapshot: RunCampaign = {
      rules: campaign.rules,
      audience: campaign.audience,
      holdoutShare: campaign.holdoutShare,
      frequencyCaps: campaign.frequencyCaps,
      arbitration: campaign.arbitration,
    };
    const entity: CampaignRunEntity = {
      id: randomUUID(),
      campaignId: campaign.id,
      runKey,
      status: 'running',
      campaignRevision: campaign.revision,
      campaign: snapshot,
      modelName: context.model.name,
      modelVersion: context.model.version,
      modelVersionId: context.model.versionId,
      batchSize,
      customersTotal: Number(n),
      lastCustomerId: null,
      batches: 0,
      counts: emptyCounts(context.policy.ruleNames),
      deliveries: 0,
      resumes: 0,
      activeMs: 0,
      error: null,
      startedAt: now,
      updatedAt: now,
      finishedAt: null,
    };

    try {
      await inTransaction(this.dataSource, (manager) =>
        manager
          .getRepository(CampaignRunEntity)
          .insert(entity as QueryDeepPartialEntity<CampaignRunEntity>),
      );
    } catch (error) {
      if (String((error as Error).message).includes('UNIQUE constraint failed: campaign_runs')) {
        return null;
      }
      throw error;
    }

    return entity;
  }

  private async markResumed(entity: CampaignRunEntity): Promise<CampaignRunEntity> {
    const resumed: CampaignRunEntity = {
      ...entity,
      status: 'running',
      resumes: entity.resumes + 1,
      error: null,
      updatedAt: new Date().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager.getRepository(CampaignRunEntity).update({ id: entity.id, batches: entity.batches }, {
        status: resumed.status,
        resumes: resumed.resumes,
        error: null,
        updatedAt: resumed.updatedAt,
      } as QueryDeepPartialEntity<CampaignRunEntity>),
    );

    return resumed;
  }

  /** Executes the run in the background; registered before the caller's next await. */
  private execute(
    entity: CampaignRunEntity,
    context: DecisionContext,
    onProgress: StartRunArgs['onProgress'],
  ): Promise<RunView> {
    const done = this.walk(entity, context, onProgress).finally(() =>
      this.executing.delete(entity.id),
    );
    this.executing.set(entity.id, done);

    return done;
  }

  /**
   * Walks the customers a batch at a time, a transaction each. SQLite works on a thread of
   * its own, so rather than wait for it the JavaScript thread works on the batches to come:
   * a batch's transaction first reads the next batch's contacts, suppressions and endpoints,
   * then hands its own writes to SQLite, and while SQLite writes and commits, the next batch
   * is decided (its statements built) and the one after it read and scored. The next
   * transaction takes what was decided ahead as it is if nothing at all was written in
   * between (`DatabaseMark`); else it reads those contacts, suppressions and endpoints again
   * and keeps the decisions only if they read the same, or decides anew on what it read.
   * Either way a batch is decided on exactly what its own transaction sees, so the caps count
   * every contact committed before it. Batches read or decided ahead but not written when
   * the run stops are simply read again on resume.
   */
  private async walk(
    initial: CampaignRunEntity,
    context: DecisionContext,
    onProgress: StartRunArgs['onProgress'],
  ): Promise<RunView> {
    let run = initial;
    const customers = this.datasets.iterateCustomers({
      batchSize: run.batchSize,
      afterId: run.lastCustomerId ?? undefined,
    });
    const readAhead = (): Promise<ScoredBatch | null> =>
      handled(
        customers
          .next()
          .then((next) => (next.done ? null : this.simulation.scoreBatch(context, next.value))),
      );
    // The batch being written, the next one and (read during this batch's writes) the one
    // after: the generator reads them one after the other.
    let current = readAhead();
    let following = readAhead();
    // Set inside each transaction, for the next one.
    let decided = null as DecidedAhead | null;
    try {
      // Time active: from the start of this walk (or the previous commit) to each commit.
      let mark = Date.now();
      for (let scored = await current; scored !== null; scored = await current) {
        if (this.stopping) {
          return await this.interrupt(run);
        }
        const batch = scored;
        const prepared = decided?.scored === batch ? decided : null;
        decided = null;
        const next = following;
        run = await inTransaction(this.dataSource, async (manager) => {
          const stored = await this.batches.store(manager, run, context, batch, mark, prepared, {
            next,
            // Asked for once this batch's writes are handed to SQLite, so as to wait behind
            // them rather than hold them up. It only reads: the next batch's unit of work
            // awaits it while holding the lock, so a unit of work started in it would wait
            // for that lock for ever (see inTransaction).
            readFurther: () => {
              following = readAhead();
            },
          });
          decided = stored.ahead;

          return stored.run;
        });
        current = next;
        mark = Date.now();
        onProgress?.(runView(run));
        this.logger.debug(
          { runId: run.id },
          `Run ${run.id}: batch ${run.batches}, ${run.counts.customers} of ` +
            `${run.customersTotal} customers decided`,
        );
      }
    } catch (error) {
      if (!(error instanceof UserError && error.code === 'run_taken_over')) {
        await this.fail(run, error);
      }
      throw error;
    } finally {
      await customers.return(undefined);
    }

    return this.finish(run);
  }

  private async finish(run: CampaignRunEntity): Promise<RunView> {
    const finished: CampaignRunEntity = {
      ...run,
      status: 'succeeded',
      finishedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager.getRepository(CampaignRunEntity).update(run.id, {
        status: finished.status,
        finishedAt: finished.finishedAt,
        updatedAt: finished.updatedAt,
      }),
    );
    const c = run.counts;
    this.logger.log(
      { runId: run.id },
      `Run ${run.id} succeeded: ${c.customers} customers, ${c.actions} actions, ${c.holdout} ` +
        `in holdout, ${c.suppressed} suppressed, ${c.capped} capped, ${run.deliveries} ` +
        `deliveries in ${(run.activeMs / 1000).toFixed(1)} s`,
    );

    return runView(finished);
  }

  private async interrupt(run: CampaignRunEntity): Promise<RunView> {
    const interrupted: CampaignRunEntity = {
      ...run,
      status: 'interrupted',
      updatedAt: new Date().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager
        .getRepository(CampaignRunEntity)
        .update(run.id, { status: interrupted.status, updatedAt: interrupted.updatedAt }),
    );
    this.logger.warn(
      { runId: run.id },
      `Run ${run.id} stopped for shutdown after ${run.batches} batches; start it again with ` +
        `run key "${run.runKey}" to resume`,
    );

    return runView(interrupted);
  }

  private async fail(run: CampaignRunEntity, error: unknown): Promise<void> {
    const known = error instanceof UserError;
    await inTransaction(this.dataSource, (manager) =>
      manager.getRepository(CampaignRunEntity).update(run.id, {
        status: 'failed',
        error: {
          code: known ? error.code : 'internal_error',
          message: error instanceof Error ? error.message : String(error),
        },
        updatedAt: new Date().toISOString(),
      } as QueryDeepPartialEntity<CampaignRunEntity>),
    );
    this.logger.error(
      { runId: run.id, err: error },
      `Run ${run.id} failed after ${run.batches} batches; start it again with run key ` +
        `"${run.runKey}" to resume`,
    );
  }

  private repository() {
    return this.dataSource.getRepository(CampaignRunEntity);
  }

  private async load(id: string): Promise<CampaignRunEntity> {
    const entity = await this.repository().findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('run', id);
    }

    return entity;
  }

  private async page(
    where: FindOptionsWhere<DecisionEntity>,
    order: FindOptionsOrder<DecisionEntity>,
    args: PageArgs,
  ): Promise<Page<DecisionView>> {
    const limit = checkLimit(args.limit);
    const offset = Math.max(0, Math.floor(args.offset ?? 0));
    const [rows, total] = await this.dataSource.getRepository(DecisionEntity).findAndCount({
      where: args.status ? { ...where, status: args.status } : where,
      order,
      take: limit,
      skip: offset,
    });

    return { items: rows.map(decisionView), total, limit, offset };
  }

  private findByKey(campaignId: string, runKey: string): Promise<CampaignRunEntity | null> {
    return this.repository().findOneBy({ campaignId, runKey });
  }
}

/**
 * @throws ConflictError `campaign_not_active` or `campaign_outside_dates`.
 */
function checkRunnable(campaign: CampaignView, now: Date): void {
  if (campaign.status !== 'active') {
    throw new ConflictError(
      'campaign_not_active',
      `Campaign ${campaign.id} is ${campaign.status}; only an active campaign runs. ` +
        'Activate it first, or simulate it to see what a run would do.',
    );
  }
  const at = now.toISOString();
  if ((campaign.startsAt && campaign.startsAt > at) || (campaign.endsAt && campaign.endsAt <= at)) {
    throw new ConflictError(
      'campaign_outside_dates',
      `Campaign ${campaign.id} runs from ${campaign.startsAt ?? 'any time'} to ` +
        `${campaign.endsAt ?? 'any time'}; it is ${at} now. Change its dates to run it.`,
      [
        {
          path: campaign.startsAt && campaign.startsAt > at ? '$.startsAt' : '$.endsAt',
          message: 'excludes now',
        },
      ],
    );
  }
}

/** @throws UserError `run_key_invalid`. */
function checkRunKey(runKey: string | undefined): string | undefined {
  if (runKey === undefined) {
    return undefined;
  }
  if (!RUN_KEY.test(runKey)) {
    throw new UserError(
      'run_key_invalid',
      '$.runKey (or the Idempotency-Key header) must be 1 to 128 letters, digits, dots, ' +
        `colons, dashes or underscores; got ${JSON.stringify(runKey)}.`,
      400,
      [{ path: '$.runKey', message: 'must match ^[A-Za-z0-9._:-]{1,128}$' }],
    );
  }

  return runKey;
}
