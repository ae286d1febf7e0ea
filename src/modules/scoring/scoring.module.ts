import { Module } from '@nestjs/common';
import { DatasetsModule } from '../datasets/datasets.module';
import { ModelsModule } from '../models/models.module';
import { RealTimeScoringController, ScoringController } from './scoring.controller';
import { ScoringService } from './scoring.service';

/** Scores: batch runs over the customers, real-time scoring, and the stored scores. */
@Module({
  imports: [DatasetsModule, ModelsModule],
  controllers: [RealTimeScoringController, ScoringController],
  providers: [ScoringService],
  exports: [ScoringService],
})
export class ScoringModule {}
