import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsSelect } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError, NotFoundError, UserError } from '../../common/errors';
import { LookupCache } from '../../common/lookup-cache';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { ModelArtifact } from '../../plugins/contract';
import { ModelPromotionEntity } from './entities/model-promotion.entity';
import { ModelVersionEntity } from './entities/model-version.entity';
import { ModelEntity } from './entities/model.entity';
import {
  ModelListItem,
  ModelVersionView,
  ModelView,
  modelView,
  versionSummary,
  versionView,
} from './model-views';
import { PluginRegistry } from './plugin-registry.service';
import { planPromotion, planRollback, PromotionPlan, PromotionRecord } from './promotion';
import { buildScorer, ModelScorer } from './scorer';
import type { TrainingOutcome } from './training';
import { inTransaction } from '../../database/unit-of-work';

/** What lists of versions read: everything but the pipeline, calibrator and artifact. */
const SUMMARY_COLUMNS: FindOptionsSelect<ModelVersionEntity> = {
  id: true,
  modelName: true,
  version: true,
  pluginId: true,
  pluginVersion: true,
  status: true,
  threshold: true,
  datasetId: true,
  trainingJobId: true,
  createdAt: true,
  promotedAt: true,
  metrics: true,
};

/** Who changed a champion and why, for the promotion history. */
export interface PromotionNote {
  readonly reason?: string;
  readonly actor?: string;
}

export interface NewVersions {
  readonly modelName: string;
  readonly description?: string;
  readonly datasetId: string;
  /** Null for versions trained outside a training job (a retraining run records its own). */
  readonly trainingJobId: string | null;
  readonly outcomes: readonly TrainingOutcome[];
  /** `best`: make the version with the best test ROC AUC the champion. */
  readonly promote: 'best' | 'none';
}

export interface CreatedVersion {
  readonly id: string;
  readonly version: number;
  readonly pluginId: string;
  readonly rocAuc: number;
}

/**
 * The model registry: models, their versions, and which version is champion. Champion
 * changes happen in one transaction each and are kept as history, which is what a
 * rollback walks back through.
 */
@Injectable()
export class ModelRegistryService implements OnModuleDestroy {
  private readonly logger = new Logger(ModelRegistryService.name);
  private readonly scorers = new Map<string, Promise<ModelScorer>>();
  /**
   * The version id a real-time score uses, by model and version (none: the champion), so a
   * score asks the database nothing. Every change of champion goes through `transaction`,
   * which clears it; another process's promotion is seen within `BULLSEYE_LOOKUP_CACHE_MS`.
   */
  private readonly versionIds: LookupCache<string, string | null>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly plugins: PluginRegistry,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'lookupCacheMs'>,
  ) {
    this.versionIds = new LookupCache({
      ttlMs: config.lookupCacheMs,
      max: 1000,
      load: (key) => this.findVersionId(key),
      keep: (id) => id !== null,
    });
  }

  async listModels(): Promise<ModelListItem[]> {
    const models = await this.dataSource
      .getRepository(ModelEntity)
      .find({ order: { name: 'ASC' } });
    const versions = await this.dataSource
      .getRepository(ModelVersionEntity)
      .find({ select: SUMMARY_COLUMNS });

    return models.map((model) => {
      const own = versions.filter((v) => v.modelName === model.name);
      const champion = own.find((v) => v.status === 'champion');

      return {
        name: model.name,
        description: model.description,
        createdAt: model.createdAt.toISOString(),
        versionCount: own.length,
        latestVersion: own.length ? Math.max(...own.map((v) => v.version)) : null,
        champion: champion ? versionSummary(champion) : null,
      };
    });
  }

  /** @throws NotFoundError `model_not_found`. */
  async getModel(name: string): Promise<ModelView> {
    const model = await this.findModel(this.dataSource.manager, name);
    const versions = await this.dataSource
      .getRepository(ModelVersionEntity)
      .find({ select: SUMMARY_COLUMNS, where: { modelName: name } });
    const promotions = await this.history(this.dataSource.manager, name);

    return modelView(model, versions, promotions);
  }

  /** @throws NotFoundError `model_not_found` or `model_version_not_found`. */
  async getVersion(name: string, version: number): Promise<ModelVersionView> {
    return versionView(await this.findVersion(this.dataSource.manager, name, version));
  }

  /** Stores the versions one training job made, and promotes the best when asked; atomic. */
  async createVersions(args: NewVersions): Promise<CreatedVersion[]> {
    return this.transaction(async (manager) => {
      const now = new Date();
      const models = manager.getRepository(ModelEntity);
      const existing = await models.findOne({ where: { name: args.modelName } });
      if (!existing) {
        await models.insert({
          name: args.modelName,
          description: args.description ?? null,
          createdAt: now,
        });
      } else if (args.description !== undefined) {
        await models.update({ name: args.modelName }, { description: args.description });
      }

      const { max } = (await manager
        .getRepository(ModelVersionEntity)
        .createQueryBuilder('v')
        .select('MAX(v.version)', 'max')
        .where('v.model_name = :name', { name: args.modelName })
        .getRawOne<{ max: number | null }>()) ?? { max: null };
      const created = args.outcomes.map((outcome, i) => ({
        entity: this.versionEntity(args, outcome, (max ?? 0) + i + 1, now),
        rocAuc: outcome.metrics.test.rocAuc,
      }));
      await manager
        .getRepository(ModelVersionEntity)
        .insert(created.map((c) => c.entity as QueryDeepPartialEntity<ModelVersionEntity>));

      const result = created.map(({ entity, rocAuc }) => ({
        id: entity.id,
        version: entity.version,
        pluginId: entity.pluginId,
        rocAuc,
      }));
      if (args.promote === 'best' && result.length > 0) {
        const best = result.reduce((a, b) => (b.rocAuc > a.rocAuc ? b : a));
        await this.applyPromotion(manager, args.modelName, best.version, {
          actor: 'training',
          reason:
            `best test ROC AUC (${best.rocAuc.toFixed(4)}) of training job ` +
            `${args.trainingJobId}`,
        });
      }

      return result;
    });
  }

  /** Makes a version the champion; the champion it replaces is retired. */
  async promote(
    name: string,
    version: number,
    note: PromotionNote = {},
  ): Promise<ModelVersionView> {
    await this.transaction((manager) => this.applyPromotion(manager, name, version, note));
    this.logger.log(`Model ${name}: version ${version} is champion`);

    return this.getVersion(name, version);
  }

  /** Returns to the champion before the current one, as the promotion history records it. */
  async rollback(name: string, note: PromotionNote = {}): Promise<ModelVersionView> {
    const plan = await this.transaction(async (manager) => {
      await this.findModel(manager, name);
      const versions = await this.versionStates(manager, name);
      const history = await this.history(manager, name);
      const rollback = planRollback(name, versions, history as PromotionRecord[]);
      await this.apply(manager, name, rollback, note);

      return rollback;
    });
    this.logger.log(
      `Model ${name}: rolled back from version ${plan.fromVersion} to ${plan.toVersion}`,
    );

    return this.getVersion(name, plan.toVersion);
  }

  /**
   * A scorer for a version (the champion when `version` is omitted), built once per
   * version and kept for the life of the process.
   *
   * @throws ConflictError `model_no_champion` when there is no champion to default to.
   */
  async loadScorer(name: string, version?: number): Promise<ModelScorer> {
    const versionId = await this.versionIds.get(versionKey(name, version));
    if (versionId === null) {
      return this.missingVersion(name, version);
    }

    let scorer = this.scorers.get(versionId);
    if (!scorer) {
      // Versions never change: the whole row, artifact and pipeline, is read once per process
      // (read on every real-time score, its JSON columns cost more than the scoring).
      const entity = await this.dataSource
        .getRepository(ModelVersionEntity)
        .createQueryBuilder('v')
        .addSelect('v.artifact')
        .where('v.id = :id', { id: versionId })
        .getOneOrFail();
      const plugin = this.plugins.get(entity.pluginId, '$.pluginId');
      if (plugin.version !== entity.pluginVersion) {
        this.logger.warn(
          `Model ${name} version ${entity.version} was trained with ${plugin.id} ` +
            `${entity.pluginVersion}; loading it with ${plugin.version}`,
        );
      }
      scorer = buildScorer(
        { ...entity, artifact: JSON.parse(entity.artifact) as ModelArtifact },
        plugin,
      );
      this.scorers.set(entity.id, scorer);
      scorer.catch(() => this.scorers.delete(entity.id));
    }

    return scorer;
  }

  async onModuleDestroy(): Promise<void> {
    const scorers = [...this.scorers.values()];
    this.scorers.clear();
    for (const scorer of await Promise.allSettled(scorers)) {
      if (scorer.status === 'fulfilled') scorer.value.dispose();
    }
  }

  /** The id of a version, or of the champion without one; null when there is none. */
  private async findVersionId(key: string): Promise<string | null> {
    const { name, version } = parseVersionKey(key);
    const found = await this.dataSource.getRepository(ModelVersionEntity).findOne({
      select: { id: true },
      where:
        version === undefined
          ? { modelName: name, status: 'champion' }
          : { modelName: name, version },
    });

    return found?.id ?? null;
  }

  /**
   * @throws NotFoundError `model_not_found`, `model_version_not_found`; ConflictError
   *   `model_no_champion`.
   */
  private async missingVersion(name: string, version: number | undefined): Promise<never> {
    await this.findModel(this.dataSource.manager, name);
    if (version !== undefined) {
      throw new NotFoundError('model_version', `${name}@${version}`);
    }
    throw new ConflictError(
      'model_no_champion',
      `Model "${name}" has no champion yet; promote a version ` +
        `(POST /models/${name}/versions/{version}/promote) or name the version to use.`,
    );
  }

  private async applyPromotion(
    manager: EntityManager,
    name: string,
    version: number,
    note: PromotionNote,
  ): Promise<void> {
    await this.findVersion(manager, name, version);
    const plan = planPromotion(name, await this.versionStates(manager, name), version);
    await this.apply(manager, name, plan, note);
  }

  private async apply(
    manager: EntityManager,
    name: string,
    plan: PromotionPlan,
    note: PromotionNote,
  ): Promise<void> {
    const versions = manager.getRepository(ModelVersionEntity);
    const at = new Date();
    // Retire first: the schema allows one champion per model at any moment.
    if (plan.fromVersion !== null) {
      await versions.update({ modelName: name, version: plan.fromVersion }, { status: 'retired' });
    }
    await versions.update(
      { modelName: name, version: plan.toVersion },
      { status: 'champion', promotedAt: at },
    );
    await manager.getRepository(ModelPromotionEntity).insert({
      modelName: name,
      action: plan.action,
      fromVersion: plan.fromVersion,
      toVersion: plan.toVersion,
      reason: note.reason ?? null,
      actor: note.actor ?? null,
      at,
    });
  }

  private versionEntity(
    args: NewVersions,
    outcome: TrainingOutcome,
    version: number,
    now: Date,
  ): ModelVersionEntity {
    return Object.assign(new ModelVersionEntity(), {
      id: randomUUID(),
      modelName: args.modelName,
      version,
      pluginId: outcome.pluginId,
      pluginVersion: outcome.pluginVersion,
      params: { ...outcome.params },
      preprocessing: outcome.pipeline,
      calibration: outcome.calibrator,
      threshold: outcome.threshold,
      metrics: {
        ...outcome.metrics,
        timings: outcome.timings,
        plugin: outcome.summary,
        training: outcome.options,
      },
      datasetId: args.datasetId,
      artifact: JSON.stringify(outcome.artifact),
      status: 'candidate',
      createdAt: now,
      promotedAt: null,
      trainingJobId: args.trainingJobId,
      featureNames: outcome.featureNames,
    });
  }

  private async findModel(manager: EntityManager, name: string): Promise<ModelEntity> {
    const model = await manager.getRepository(ModelEntity).findOne({ where: { name } });
    if (!model) {
      throw new NotFoundError('model', name);
    }

    return model;
  }

  private async findVersion(
    manager: EntityManager,
    name: string,
    version: number,
  ): Promise<ModelVersionEntity> {
    if (!Number.isInteger(version) || version < 1) {
      throw new UserError(
        'model_version_invalid',
        `A model version is a whole number from 1; "${version}" is not.`,
        400,
        [{ path: '$.version', message: 'must be an integer >= 1' }],
      );
    }
    const entity = await manager
      .getRepository(ModelVersionEntity)
      .findOne({ where: { modelName: name, version } });
    if (!entity) {
      await this.findModel(manager, name);
      throw new NotFoundError('model_version', `${name}@${version}`);
    }

    return entity;
  }

  private versionStates(manager: EntityManager, name: string): Promise<ModelVersionEntity[]> {
    return manager.getRepository(ModelVersionEntity).find({
      select: { version: true, status: true },
      where: { modelName: name },
    });
  }

  private history(manager: EntityManager, name: string): Promise<ModelPromotionEntity[]> {
    return manager
      .getRepository(ModelPromotionEntity)
      .find({ where: { modelName: name }, order: { id: 'ASC' } });
  }

  /** Every change to the registry; what it changed may be a champion, so lookups restart. */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work).finally(() => this.versionIds.clear());
  }
}

function versionKey(name: string, version: number | undefined): string {
  return `${version ?? ''}@${name}`;
}

function parseVersionKey(key: string): { name: string; version: number | undefined } {
  const at = key.indexOf('@');

  return {
    name: key.slice(at + 1),
    version: at === 0 ? undefined : Number(key.slice(0, at)),
  };
}
