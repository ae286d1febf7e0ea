import { Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { DatasetsService } from '../datasets/datasets.service';
import { TrainingSources } from '../scheduling/training-sources';
import { EventsClock } from './events-clock';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { HistoryService } from './history.service';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';
import { labelViewSourceKind } from './label-view-source';
import { LabelsService } from './labels.service';
import { LiftController } from './lift.controller';
import { SealingKey } from './sealing-key';

/**
 * Outcomes coming back: signed events from integrations, the label view that joins them
 * with decisions, campaign lift, and a `label_view` training source for retraining
 * schedules (registered when the scheduling module is part of the application).
 */
@Module({
  imports: [CampaignsModule, DatasetsModule],
  controllers: [EventsController, IntegrationsController, LiftController],
  providers: [
    EventsClock,
    SealingKey,
    IntegrationsService,
    EventsService,
    LabelsService,
    HistoryService,
  ],
  exports: [EventsService, IntegrationsService, LabelsService, HistoryService],
})
export class EventsModule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsModule.name);
  private unregister: (() => void) | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly labels: LabelsService,
    private readonly datasets: DatasetsService,
  ) {}

  onModuleInit(): void {
    let sources: TrainingSources;
    try {
      sources = this.moduleRef.get(TrainingSources, { strict: false });
    } catch {
      this.logger.debug('No retraining schedules in this application: label_view not registered');

      return;
    }
    this.unregister = sources.register(labelViewSourceKind(this.labels, this.datasets));
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }
}
