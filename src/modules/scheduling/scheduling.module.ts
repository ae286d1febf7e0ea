import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DatasetsModule } from '../datasets/datasets.module';
import { ModelsModule } from '../models/models.module';
import { ScoringModule } from '../scoring/scoring.module';
import { DriftService } from './drift.service';
import { RetrainingService } from './retraining.service';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';
import { SchedulingClock } from './scheduling-clock';
import { TrainingSources } from './training-sources';

/**
 * Scheduling: retraining schedules run as cron jobs, challenger against champion, and the
 * drift reports that `on_drift` schedules wait for.
 */
@Module({
  imports: [ScheduleModule.forRoot(), DatasetsModule, ModelsModule, ScoringModule],
  controllers: [SchedulesController],
  providers: [SchedulingClock, TrainingSources, DriftService, RetrainingService, SchedulesService],
  exports: [SchedulingClock, TrainingSources, DriftService, RetrainingService, SchedulesService],
})
export class SchedulingModule {}
