import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { ModelsModule } from '../models/models.module';
import { DemoService } from './demo.service';

@Module({
  imports: [DatasetsModule, ModelsModule, CampaignsModule, DeliveryModule],
  providers: [DemoService],
  exports: [DemoService],
})
export class DemoModule {}
