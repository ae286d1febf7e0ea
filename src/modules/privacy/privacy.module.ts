import { Module } from '@nestjs/common';
import { CustomerExportService } from './customer-export.service';
import { CustomersController } from './customers.controller';
import { ErasureService } from './erasure.service';

/** Customers' rights over their data: erasure and export of everything held about one. */
@Module({
  controllers: [CustomersController],
  providers: [ErasureService, CustomerExportService],
  exports: [ErasureService, CustomerExportService],
})
export class PrivacyModule {}
