import { Module } from '@nestjs/common';
import { DatasetUploadInterceptor } from './dataset-upload.interceptor';
import { DatasetsController } from './datasets.controller';
import { DatasetsService } from './datasets.service';

/** Data in: file imports, schemas, profiles and customers. */
@Module({
  controllers: [DatasetsController],
  providers: [DatasetsService, DatasetUploadInterceptor],
  exports: [DatasetsService],
})
export class DatasetsModule {}
