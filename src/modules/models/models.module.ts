import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { BUILT_IN_PLUGINS } from '../../plugins';
import { DatasetsModule } from '../datasets/datasets.module';
import { ModelPromotionEntity } from './entities/model-promotion.entity';
import { ModelVersionEntity } from './entities/model-version.entity';
import { ModelEntity } from './entities/model.entity';
import { TrainingJobEntity } from './entities/training-job.entity';
import { JobsController } from './jobs.controller';
import { ModelRegistryService } from './model-registry.service';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { loadPlugins } from './plugin-loader';
import { PluginRegistry } from './plugin-registry.service';
import { PluginsController } from './plugins.controller';
import { TrainingJobsService } from './training-jobs.service';

/** The model host: plugins, training jobs, evaluation and the model registry. */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      ModelEntity,
      ModelVersionEntity,
      TrainingJobEntity,
      ModelPromotionEntity,
    ]),
    DatasetsModule,
  ],
  controllers: [ModelsController, JobsController, PluginsController],
  providers: [
    {
      provide: PluginRegistry,
      inject: [APP_CONFIG],
      // The built-in plugins, then the configured ones; one that fails to load is recorded.
      useFactory: (config: AppConfig) => {
        const registry = new PluginRegistry(BUILT_IN_PLUGINS);
        loadPlugins({ specs: config.plugins, registry });

        return registry;
      },
    },
    ModelRegistryService,
    TrainingJobsService,
    ModelsService,
  ],
  exports: [ModelsService, PluginRegistry],
})
export class ModelsModule {}
