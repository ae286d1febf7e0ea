import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';
import { createLogger, loggerParams } from './common/logging';
import { AppConfig, loadConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { AccessModule } from './modules/access/access.module';
import { CampaignsModule } from './modules/campaigns/campaigns.module';
import { DatasetsModule } from './modules/datasets/datasets.module';
import { DeliveryModule } from './modules/delivery/delivery.module';
import { DemoModule } from './modules/demo/demo.module';
import { EventsModule } from './modules/events/events.module';
import { HealthModule } from './modules/health/health.module';
import { ModelsModule } from './modules/models/models.module';
import { PrivacyModule } from './modules/privacy/privacy.module';
import { SchedulingModule } from './modules/scheduling/scheduling.module';
import { ScoringModule } from './modules/scoring/scoring.module';

/** The whole Bullseye application, for one configuration. */
@Module({})
export class AppModule {
  /** `logger` writes every line; the HTTP app passes the one its request log uses too. */
  static forRoot(
    config: AppConfig = loadConfig(),
    logger: PinoInstance = createLogger(config),
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(logger)),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config), migrationsRun: true }),
        AccessModule,
        HealthModule,
        DeliveryModule,
        DatasetsModule,
        ModelsModule,
        ScoringModule,
        CampaignsModule,
        EventsModule,
        DemoModule,
        SchedulingModule,
        PrivacyModule,
      ],
    };
  }
}
