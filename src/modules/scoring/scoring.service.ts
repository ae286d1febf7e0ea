import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import type { BooleanCondition, FactType } from '../campaigns/rules/rule-types';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { DatasetsService } from '../datasets/datasets.service';
import type { ModelScorer } from '../models/scorer';
import { ModelsService } from '../models/models.service';
import { AudienceFilter, compileAudience, validateAudience } from './audience';
import { attributeUse, checkCustomer, InputColumn, inputColumns } from './customer-input';
import { decileCutPoints, decileOf, decilesOf } from './deciles';
import { ScoreEntity } from './entities/score.entity';
import { ScoringRunEntity } from './entities/scoring-run.entity';
import { ScoreTally } from './score-distribution';
import { ScoreStamp, upsertScores } from './score-sql';
import { RealTimeScore, runView, ScoringRunView, scoreView, StoredScore } from './scoring-views';

export const DEFAULT_SCORING_BATCH_SIZE = 5000;
/** Largest batch: a batch's customers, features and scores are all held at once. */
export const MAX_SCORING_BATCH_SIZE = 50_000;

export interface ScoringProgress {
  readonly runId: string;
  readonly batches: number;
  readonly customersRead: number;
  readonly customersScored: number;
}

export interface ScoreAllArgs {
  readonly modelName: string;
  /** The version to score with; the champion when omitted. */
  readonly version?: number;
  /** json-rules-engine conditions over customer attributes; only matching customers are scored. */
  readonly audience?: unknown;
  readonly batchSize?: number;
  /** Called after each stored batch. */
  readonly onProgress?: (progress: ScoringProgress) => void;
}

export interface ScoreCustomerArgs {
  readonly modelName: string;
  readonly version?: number;
  /** The customer's attributes by column name; or name a stored customer with `customerId`. */
  readonly customer?: unknown;
  readonly customerId?: string;
}

/**
 * Hears batch runs as they go (drift measurement does). `start` is called as a run begins
 * and returns what hears its batches, or null to sit the run out. An observer that throws
 * is logged and dropped for that run; it never fails the run.
 */
export interface ScoringRunObserver {
  start(run: {
    readonly runId: string;
    readonly scorer: ModelScorer;
  }): Promise<ScoringRunTap | null>;
}

export interface ScoringRunTap {
  /** One stored batch: the customers' attributes and their probabilities, in one order. */
  batch(records: readonly CustomerAttributes[], probabilities: Float64Array): void;
  /** The run has succeeded; called before `scoreAll` resolves. */
  finish(): Promise<void>;
}

/** What scoring needs from a model version beyond its scorer; versions never change. */
interface VersionInputs {
  readonly cuts: number[];
  readonly columns: InputColumn[];
  readonly datasetId: string;
}

/**
 * Scores customers with a model version, in batches or one at a time, through the same
 * scorer (pipeline, plugin and calibration) and the same decile cut points. Batch runs
 * store one current score per customer and model, a transaction per batch, and keep only
 * one batch in memory.
 */
@Injectable()
export class ScoringService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScoringService.name);
  private readonly inputs = new Map<string, Promise<VersionInputs>>();
  private readonly observers = new Set<ScoringRunObserver>();
  // SQLite has one connection: batch runs take turns, so their transactions never nest.
  private runs: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
  ) {}

  /** A run left `running` by a process that stopped is marked failed; it is not resumed. */
  async onApplicationBootstrap(): Promise<void> {
    const stale = await this.dataSource
      .getRepository(ScoringRunEntity)
      .find({ select: { id: true }, where: { status: 'running' } });
    for (const { id } of stale) {
      await this.dataSource.getRepository(ScoringRunEntity).update(id, {
        status: 'failed',
        error: {
          code: 'scoring_run_interrupted',
          message: 'The process stopped during this run; start a new run to score the rest.',
        },
        finishedAt: new Date().toISOString(),
      } as QueryDeepPartialEntity<ScoringRunEntity>);
      this.logger.warn({ scoringRunId: id }, `Scoring run ${id} was interrupted`);
    }
  }

  /**
   * Scores every customer (or those of the audience) and waits until the run has finished.
   * A run that fails keeps the batches stored before the failure and is marked `failed`.
   *
   * @throws NotFoundError `model_not_found` / `model_version_not_found`; ConflictError
   *   `model_no_champion`; UserError `audience_invalid` or `scoring_batch_size_invalid`.
   */
  async scoreAll(args: ScoreAllArgs): Promise<ScoringRunView> {
    const batchSize = checkBatchSize(args.batchSize);
    const scorer = await this.models.loadScorer(args.modelName, args.version);
    const inputs = await this.versionInputs(scorer);
    const audience =
      args.audience === undefined || args.audience === null
        ? null
        : validateAudience(args.audience, await this.audienceFacts(inputs));

    const run = this.runs.then(() => this.run({ scorer, inputs, audience, batchSize, args }));
    this.runs = run.catch(() => undefined);

    return run;
  }

  /** Adds an observer of batch runs; returns a function that removes it. */
  observeRuns(observer: ScoringRunObserver): () => void {
    this.observers.add(observer);

    return () => this.observers.delete(observer);
  }

  /**
   * Scores one customer, given by attributes or by id, as a batch run would.
   *
   * @throws UserError `score_request_invalid` without exactly one of customer and customerId,
   *   `customer_attributes_invalid` naming each attribute of the wrong type; NotFoundError
   *   `customer_not_found`, `model_not_found`; ConflictError `model_no_champion`.
   */
  async scoreCustomer(args: ScoreCustomerArgs): Promise<RealTimeScore> {
    const byId = args.customerId !== undefined && args.customerId !== null;
    const byAttributes = args.customer !== undefined && args.customer !== null;
    if (byId === byAttributes) {
      throw new UserError(
        'score_request_invalid',
        'Send either "customer" (the attributes to score) or "customerId" (a stored customer), ' +
          'not both and not neither.',
        400,
        [{ path: byId ? '$.customerId' : '$.customer', message: 'give exactly one of the two' }],
      );
    }
    const scorer = await this.models.loadScorer(args.modelName, args.version);
    const inputs = await this.versionInputs(scorer);
    const attributes = byId
      ? await this.customerAttributes(args.customerId as string)
      : checkCustomer(args.customer, inputs.columns);

    const [probability] = await scorer.score([attributes]);

    return {
      probability,
      decile: decileOf(probability, inputs.cuts),
      model: scorer.modelName,
      version: scorer.version,
      versionId: scorer.versionId,
      ...(byId ? {} : { attributes: attributeUse(attributes, inputs.columns) }),
    };
  }

  /** @throws NotFoundError `scoring_run_not_found`. */
  async getRun(id: string): Promise<ScoringRunView> {
    const entity = await this.dataSource.getRepository(ScoringRunEntity).findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('scoring_run', id);
    }

    return runView(entity);
  }

  /** The latest runs, newest first, of one model or all. */
  async listRuns(modelName?: string, limit = 100): Promise<ScoringRunView[]> {
    const entities = await this.dataSource.getRepository(ScoringRunEntity).find({
      where: modelName === undefined ? {} : { modelName },
      order: { startedAt: 'DESC', id: 'ASC' },
      take: limit,
    });

    return entities.map(runView);
  }

  /**
   * A customer's current score from every model that has scored them, by model name.
   *
   * @throws NotFoundError `customer_not_found`.
   */
  async getScores(customerId: string): Promise<StoredScore[]> {
    await this.customerAttributes(customerId);
    const entities = await this.dataSource
      .getRepository(ScoreEntity)
      .find({ where: { customerId }, order: { modelName: 'ASC' } });

    return entities.map(scoreView);
  }

  /**
   * The current scores of one model in customer id order, `batchSize` at a time, resuming
   * after `afterCustomerId`: each page is one indexed range read, however far in.
   */
  async *iterateScores(args: {
    modelName: string;
    batchSize?: number;
    afterCustomerId?: string;
  }): AsyncGenerator<StoredScore[]> {
    const batchSize = checkBatchSize(args.batchSize);
    let after = args.afterCustomerId ?? '';
    for (;;) {
      const page = await this.dataSource
        .getRepository(ScoreEntity)
        .createQueryBuilder('s')
        .where('s.model_name = :model AND s.customer_id > :after', {
          model: args.modelName,
          after,
        })
        .orderBy('s.customer_id', 'ASC')
        .limit(batchSize)
        .getMany();
      if (page.length === 0) {
        return;
      }
      yield page.map(scoreView);
      if (page.length < batchSize) {
        return;
      }
      after = page[page.length - 1].customerId;
    }
  }

  private async run(job: {
    scorer: ModelScorer;
    inputs: VersionInputs;
    audience: BooleanCondition | null;
    batchSize: number;
    args: ScoreAllArgs;
  }): Promise<ScoringRunView> {
    const { scorer, inputs, audience, batchSize, args } = job;
    const id = randomUUID();
    const runs = this.dataSource.getRepository(ScoringRunEntity);
    const started = Date.now();
    await runs.insert({
      id,
      modelName: scorer.modelName,
      modelVersion: scorer.version,
      modelVersionId: scorer.versionId,
      audience,
      status: 'running',
      batchSize,
      customersRead: 0,
      customersScored: 0,
      summary: null,
      error: null,
      startedAt: new Date(started).toISOString(),
      finishedAt: null,
    } as QueryDeepPartialEntity<ScoringRunEntity>);
    this.logger.log(
      { scoringRunId: id },
      `Scoring run ${id} started: model ${scorer.modelName} version ${scorer.version}` +
        `${audience ? ' for an audience' : ' for every customer'}, batches of ${batchSize}`,
    );

    const inAudience: AudienceFilter | null = audience ? compileAudience(audience) : null;
    const tally = new ScoreTally();
    const progress = { runId: id, batches: 0, customersRead: 0, customersScored: 0 };
    const taps = await this.startTaps(id, scorer);
    try {
      for await (const customers of this.datasets.iterateCustomers({ batchSize })) {
        const chosen = inAudience ? customers.filter((c) => inAudience(c.attributes)) : customers;
        const attributes = chosen.map((c) => c.attributes);
        const probabilities = await scorer.score(attributes);
        const deciles = decilesOf(probabilities, inputs.cuts);
        tally.add(probabilities, deciles);
        this.feedTaps(id, taps, attributes, probabilities);

        progress.batches++;
        progress.customersRead += customers.length;
        progress.customersScored += chosen.length;
        await this.storeBatch(
          { ...stampOf(scorer, id), scoredAt: new Date().toISOString() },
          chosen.map((c, i) => ({
            customerId: c.id,
            probability: probabilities[i],
            decile: deciles[i],
          })),
          progress,
        );
        args.onProgress?.({ ...progress });
        this.logger.debug(
          { scoringRunId: id },
          `Scoring run ${id}: batch ${progress.batches}, ${progress.customersScored} of ` +
            `${progress.customersRead} customers scored`,
        );
      }
    } catch (error) {
      await this.fail(id, progress, error);
      throw error;
    }

    const seconds = (Date.now() - started) / 1000;
    await runs.update(id, {
      status: 'succeeded',
      customersRead: progress.customersRead,
      customersScored: progress.customersScored,
      summary: tally.summary(),
      finishedAt: new Date().toISOString(),
    } as QueryDeepPartialEntity<ScoringRunEntity>);
    await this.finishTaps(id, taps);
    this.logger.log(
      { scoringRunId: id },
      `Scoring run ${id} succeeded: ${progress.customersScored} of ${progress.customersRead} ` +
        `customers scored in ${seconds.toFixed(1)} s`,
    );

    return this.getRun(id);
  }

  private async startTaps(runId: string, scorer: ModelScorer): Promise<ScoringRunTap[]> {
    const taps: ScoringRunTap[] = [];
    for (const observer of this.observers) {
      try {
        const tap = await observer.start({ runId, scorer });
        if (tap) taps.push(tap);
      } catch (error) {
        this.logger.warn(
          { scoringRunId: runId, err: error },
          `Scoring run ${runId}: an observer failed`,
        );
      }
    }

    return taps;
  }

  private feedTaps(
    runId: string,
    taps: ScoringRunTap[],
    records: readonly CustomerAttributes[],
    probabilities: Float64Array,
  ): void {
    for (const tap of [...taps]) {
      try {
        tap.batch(records, probabilities);
      } catch (error) {
        taps.splice(taps.indexOf(tap), 1);
        this.logger.warn(
          { scoringRunId: runId, err: error },
          `Scoring run ${runId}: an observer failed`,
        );
      }
    }
  }

  private async finishTaps(runId: string, taps: readonly ScoringRunTap[]): Promise<void> {
    for (const tap of taps) {
      try {
        await tap.finish();
      } catch (error) {
        this.logger.warn(
          { scoringRunId: runId, err: error },
          `Scoring run ${runId}: an observer failed`,
        );
      }
    }
  }

  /** One batch of scores and the run's counters, in one transaction. */
  private async storeBatch(
    stamp: ScoreStamp,
    rows: { customerId: string; probability: number; decile: number }[],
    progress: ScoringProgress,
  ): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      for (const statement of upsertScores(stamp, rows)) {
        await manager.query(statement.sql, statement.params);
      }
      await manager.query(
        `UPDATE "scoring_runs" SET "customers_read" = ?, "customers_scored" = ? WHERE "id" = ?`,
        [progress.customersRead, progress.customersScored, stamp.scoringRunId],
      );
    });
  }

  private async fail(id: string, progress: ScoringProgress, error: unknown): Promise<void> {
    const known = error instanceof UserError;
    await this.dataSource.getRepository(ScoringRunEntity).update(id, {
      status: 'failed',
      error: {
        code: known ? error.code : 'internal_error',
        message: error instanceof Error ? error.message : String(error),
      },
      finishedAt: new Date().toISOString(),
    } as QueryDeepPartialEntity<ScoringRunEntity>);
    this.logger.error(
      { scoringRunId: id, err: error },
      `Scoring run ${id} failed after ${progress.customersScored} customers were scored`,
    );
  }

  private versionInputs(scorer: ModelScorer): Promise<VersionInputs> {
    let inputs = this.inputs.get(scorer.versionId);
    if (!inputs) {
      inputs = this.loadVersionInputs(scorer);
      this.inputs.set(scorer.versionId, inputs);
      inputs.catch(() => this.inputs.delete(scorer.versionId));
    }

    return inputs;
  }

  private async loadVersionInputs(scorer: ModelScorer): Promise<VersionInputs> {
    const version = await this.models.getVersion(scorer.modelName, scorer.version);
    const test = version.metrics.test as { deciles?: unknown } | undefined;
    const label = `model "${scorer.modelName}" version ${scorer.version}`;

    return {
      cuts: decileCutPoints(test?.deciles, label),
      columns: inputColumns(version.preprocessing),
      datasetId: version.datasetId,
    };
  }

  /**
   * The attributes an audience may name: the columns of the model's training dataset (all
   * but the id), or the model's own inputs when that dataset is gone.
   */
  private async audienceFacts(inputs: VersionInputs): Promise<Record<string, FactType>> {
    try {
      const dataset = await this.datasets.get(inputs.datasetId);

      return Object.fromEntries(
        dataset.schema.columns.filter((c) => c.role !== 'id').map((c) => [c.name, c.type]),
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;

      return Object.fromEntries(inputs.columns.map((c) => [c.name, c.type]));
    }
  }

  private async customerAttributes(customerId: string): Promise<CustomerAttributes> {
    const [row]: { attributes: string }[] = await this.dataSource.query(
      'SELECT "attributes" FROM "customers" WHERE "id" = ?',
      [customerId],
    );
    if (!row) {
      throw new NotFoundError('customer', customerId);
    }

    return JSON.parse(row.attributes) as CustomerAttributes;
  }
}

function stampOf(scorer: ModelScorer, runId: string): Omit<ScoreStamp, 'scoredAt'> {
  return {
    modelName: scorer.modelName,
    modelVersionId: scorer.versionId,
    modelVersion: scorer.version,
    scoringRunId: runId,
  };
}

/** @throws UserError `scoring_batch_size_invalid`. */
export function checkBatchSize(batchSize: number | undefined): number {
  const size = batchSize ?? DEFAULT_SCORING_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_SCORING_BATCH_SIZE) {
    throw new UserError(
      'scoring_batch_size_invalid',
      `batchSize must be a whole number from 1 to ${MAX_SCORING_BATCH_SIZE}; got ${batchSize}.`,
      400,
      [{ path: '$.batchSize', message: `must be an integer from 1 to ${MAX_SCORING_BATCH_SIZE}` }],
    );
  }

  return size;
}
