import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { UserError } from '../../common/errors';
import { loadTensorFlow } from '../../common/tensorflow';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { DatasetsService } from '../datasets/datasets.service';
import {
  CreatedVersion,
  ModelRegistryService,
  NewVersions,
  PromotionNote,
} from './model-registry.service';
import { ModelListItem, ModelVersionView, ModelView, TrainingJobView } from './model-views';
import { PluginInfo, PluginRegistry } from './plugin-registry.service';
import type { ModelScorer } from './scorer';
import { checkModelName, normaliseTrainRequest, TrainRequest } from './train-request';
import { TrainingJobListener, TrainingJobsService } from './training-jobs.service';

/**
 * What the rest of Bullseye (the API, the CLI, scoring, scheduling) asks of models:
 * training jobs, the registry of versions and champions, and scorers.
 */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = new Logger(ModelsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly plugins: PluginRegistry,
    private readonly registry: ModelRegistryService,
    private readonly jobs: TrainingJobsService,
    private readonly datasets: DatasetsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const runtime = await loadTensorFlow(this.config.tfBackend);
    const fallback = runtime.fallbackReason ? ` (${runtime.fallbackReason})` : '';
    this.logger.log(`TensorFlow.js backend: ${runtime.backend}${fallback}`);
    const plugins = this.plugins.list().map((p) => `${p.id} ${p.version}`);
    this.logger.log(`Model plugins: ${plugins.join(', ')}`);
  }

  listPlugins(): PluginInfo[] {
    return this.plugins.list();
  }

  /**
   * Checks the request and queues a training job for it.
   *
   * @throws UserError for a bad model name, request or hyperparameters (400), or an
   *   unknown dataset (404), or a dataset without a target (422).
   */
  /**
   * Checks a training request before its dataset exists (the CLI imports the file after),
   * so that bad options fail before anything is written.
   *
   * @throws UserError `model_name_invalid`, `train_request_invalid` with JSON paths.
   */
  checkTrainRequest(modelName: string, request: Omit<TrainRequest, 'datasetId'>): void {
    checkModelName(modelName);
    normaliseTrainRequest(
      { ...request, datasetId: 'checked-later' },
      this.plugins,
      this.config.trainingSeed,
    );
  }

  async train(modelName: string, request: TrainRequest): Promise<TrainingJobView> {
    checkModelName(modelName);
    const normalised = normaliseTrainRequest(request, this.plugins, this.config.trainingSeed);
    const dataset = await this.datasets.get(normalised.datasetId);
    if (dataset.schema.target === undefined) {
      throw new UserError(
        'dataset_no_target',
        `Dataset "${dataset.name}" (${dataset.id}) has no target column to learn from; ` +
          'import it again naming one (target).',
        422,
        [{ path: '$.datasetId', message: 'must name a dataset with a target column' }],
      );
    }

    return this.jobs.enqueue(modelName, normalised);
  }

  getJob(id: string): Promise<TrainingJobView> {
    return this.jobs.get(id);
  }

  cancelJob(id: string): Promise<TrainingJobView> {
    return this.jobs.cancel(id);
  }

  waitForJob(id: string): Promise<TrainingJobView> {
    return this.jobs.wait(id);
  }

  /** Every progress step and status change of every training job in this process. */
  onJobEvent(listener: TrainingJobListener): () => void {
    return this.jobs.onEvent(listener);
  }

  listModels(): Promise<ModelListItem[]> {
    return this.registry.listModels();
  }

  getModel(name: string): Promise<ModelView> {
    return this.registry.getModel(name);
  }

  getVersion(name: string, version: number): Promise<ModelVersionView> {
    return this.registry.getVersion(name, version);
  }

  promote(name: string, version: number, note?: PromotionNote): Promise<ModelVersionView> {
    return this.registry.promote(name, version, note);
  }

  rollback(name: string, note?: PromotionNote): Promise<ModelVersionView> {
    return this.registry.rollback(name, note);
  }

  /** Stores versions trained elsewhere (a retraining run), creating the model if needed. */
  createVersions(args: NewVersions): Promise<CreatedVersion[]> {
    return this.registry.createVersions(args);
  }

  /** A scorer for a version, the champion by default; cached per version. */
  loadScorer(modelName: string, version?: number): Promise<ModelScorer> {
    return this.registry.loadScorer(modelName, version);
  }
}
