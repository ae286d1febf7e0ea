import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { DatasetsService } from '../datasets/datasets.service';
import { stratifiedSplit } from '../models/evaluation';
import { ModelsService } from '../models/models.service';
import type { ModelScorer } from '../models/scorer';
import type { TrainingOptions } from '../models/training';
import { inputColumns } from '../scoring/customer-input';
import { ScoringRunTap, ScoringService } from '../scoring/scoring.service';
import { DriftTally, featureReferences } from './drift-measure';
import { DriftReferenceEntity } from './entities/drift-reference.entity';
import { DriftReportEntity } from './entities/drift-report.entity';
import { numericReference } from './psi';
import { SchedulingClock } from './scheduling-clock';
import { driftReportView, DriftReportView } from './scheduling-views';

/**
 * Drift reports: at every batch scoring run, the PSI of each input column and of the scores
 * against the scored version's training rows. The reference bins of a version are computed
 * once — when a retraining run registers it, or else at its first scoring run, from its
 * dataset and the training split its stored options reproduce — and kept.
 *
 * Known shortcoming: that reproduced split still holds the rows the pipeline dropped as
 * outliers, and a version whose dataset is gone gets no drift reports at all.
 */
@Injectable()
export class DriftService implements OnModuleInit {
  private readonly logger = new Logger(DriftService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly scoring: ScoringService,
    private readonly clock: SchedulingClock,
  ) {}

  onModuleInit(): void {
    this.scoring.observeRuns({ start: (run) => this.startRun(run) });
  }

  /** The latest report of a version, or null when it has never scored a batch. */
  async latestReport(modelName: string, version: number): Promise<DriftReportView | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT "id" FROM "drift_reports" WHERE "model_name" = ? AND "model_version" = ?
       ORDER BY "created_at" DESC, rowid DESC LIMIT 1`,
      [modelName, version],
    );
    if (rows.length === 0) {
      return null;
    }
    const entity = await this.dataSource
      .getRepository(DriftReportEntity)
      .findOneByOrFail({ id: rows[0].id });

    return driftReportView(entity);
  }

  /** A model's reports, newest first. */
  async listReports(modelName: string, limit = 20): Promise<DriftReportView[]> {
    const entities = await this.dataSource
      .getRepository(DriftReportEntity)
      .find({ where: { modelName }, order: { createdAt: 'DESC' }, take: limit });

    return entities.map(driftReportView);
  }

  /**
   * Bins a version's training rows and keeps the result, unless it is already kept.
   *
   * @param preprocessing the version's serialised pipeline (it names the input columns).
   */
  async rememberReference(
    scorer: ModelScorer,
    preprocessing: unknown,
    records: readonly CustomerAttributes[],
  ): Promise<DriftReferenceEntity> {
    const existing = await this.findReference(scorer.versionId);
    if (existing) {
      return existing;
    }
    const scores = await scorer.score(records);
    const entity: DriftReferenceEntity = {
      modelVersionId: scorer.versionId,
      modelName: scorer.modelName,
      modelVersion: scorer.version,
      rows: records.length,
      features: featureReferences(inputColumns(preprocessing), records),
      scores: numericReference(scores),
      createdAt: this.clock.now().toISOString(),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(DriftReferenceEntity)
        .values(entity)
        .orIgnore()
        .execute(),
    );

    return entity;
  }

  private findReference(versionId: string): Promise<DriftReferenceEntity | null> {
    return this.dataSource
      .getRepository(DriftReferenceEntity)
      .findOneBy({ modelVersionId: versionId });
  }

  /** The reference of the scored version, computed from its dataset the first time. */
  private async referenceFor(scorer: ModelScorer): Promise<DriftReferenceEntity | null> {
    const existing = await this.findReference(scorer.versionId);
    if (existing) {
      return existing;
    }
    const version = await this.models.getVersion(scorer.modelName, scorer.version);
    let set;
    try {
      set = await this.datasets.loadTrainingSet(version.datasetId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.logger.warn(
        `Model ${scorer.modelName} version ${scorer.version}: its dataset ${version.datasetId} ` +
          'is gone, so no drift reference can be built',
      );

      return null;
    }
    const training = version.metrics.training as Partial<TrainingOptions> | undefined;
    const rows =
      training?.testShare !== undefined && training.seed !== undefined
        ? stratifiedSplit(set.labels, { testShare: training.testShare, seed: training.seed }).train
        : Uint32Array.from(set.records.keys());

    return this.rememberReference(
      scorer,
      version.preprocessing,
      Array.from(rows, (row) => set.records[row]),
    );
  }

  private async startRun(run: {
    readonly runId: string;
    readonly scorer: ModelScorer;
  }): Promise<ScoringRunTap | null> {
    const { runId, scorer } = run;
    const reference = await this.referenceFor(scorer);
    if (!reference) {
      return null;
    }
    const tally = new DriftTally(reference.features, reference.scores);

    return {
      batch: (records, probabilities) => tally.add(records, probabilities),
      finish: async () => {
        if (tally.rows === 0) {
          return;
        }
        const figures = tally.figures();
        const report: DriftReportEntity = {
          id: randomUUID(),
          modelName: scorer.modelName,
          modelVersion: scorer.version,
          modelVersionId: scorer.versionId,
          scoringRunId: runId,
          ...figures,
          createdAt: this.clock.now().toISOString(),
        };
        await inTransaction(this.dataSource, (manager) =>
          manager.getRepository(DriftReportEntity).insert(report),
        );
        this.logger.log(
          { scoringRunId: runId, driftReportId: report.id },
          `Drift of model ${scorer.modelName} version ${scorer.version} over ${figures.rows} ` +
            `customers: score PSI ${figures.scorePsi.toFixed(4)}, largest feature PSI ` +
            `${figures.maxFeaturePsi.toFixed(4)} (${figures.maxFeature ?? '—'})`,
        );
      },
    };
  }
}
