import { Module } from '@nestjs/common';
import { DatasetsModule } from '../datasets/datasets.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { ModelsModule } from '../models/models.module';
import { ScoringModule } from '../scoring/scoring.module';
import { CampaignRunsService } from './campaign-runs.service';
import { RunBatchWriter } from './run-batch-writer';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { DecideController } from './decide.controller';
import { DecideService } from './decide.service';
import { DecisionsController, SuppressionsController } from './decisions.controller';
import { RunsController } from './runs.controller';
import { SimulationService } from './simulation.service';
import { SuppressionsService } from './suppressions.service';

/** Campaigns: definitions, their lifecycle and rules; runs and decisions read them here. */
@Module({
  imports: [DatasetsModule, ModelsModule, ScoringModule, DeliveryModule],
  controllers: [
    CampaignsController,
    RunsController,
    DecisionsController,
    SuppressionsController,
    DecideController,
  ],
  providers: [
    CampaignsService,
    SuppressionsService,
    SimulationService,
    CampaignRunsService,
    RunBatchWriter,
    DecideService,
  ],
  exports: [
    CampaignsService,
    SuppressionsService,
    SimulationService,
    CampaignRunsService,
    DecideService,
  ],
})
export class CampaignsModule {}
