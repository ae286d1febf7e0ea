import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../access/actor.decorator';
import { Roles } from '../access/roles';
import { CustomerExport, CustomerExportService } from './customer-export.service';
import type { ErasureView } from './erasure.entity';
import { ErasureService } from './erasure.service';
import { Audited } from '../access/audit.interceptor';

/** A customer's rights over their data: erasure and export. Admin keys only. */
@ApiTags('customers')
@Roles()
@Controller('customers')
@Audited()
export class CustomersController {
  constructor(
    private readonly erasure: ErasureService,
    private readonly exports: CustomerExportService,
  ) {}

  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      'Erased: attributes, dataset rows, scores, contacts, outcomes, suppression and ' +
      'undelivered messages deleted; decisions kept under a pseudonym without params and ' +
      'reason; delivered messages replaced by tombstones. Answers the erasure record.',
  })
  @ApiBadRequestResponse({ description: '`customer_id_invalid`' })
  @ApiNotFoundResponse({ description: '`customer_not_found`: nothing is held about the id.' })
  erase(@Param('id') id: string, @Actor() actor: string): Promise<ErasureView> {
    return this.erasure.erase({ customerId: id, source: actor });
  }

  @Get(':id/export')
  @ApiOkResponse({
    description:
      'Everything held about the customer: attributes, dataset rows, scores, decisions, ' +
      'contacts, outcomes, deliveries and suppression, as one JSON document.',
  })
  @ApiBadRequestResponse({ description: '`customer_id_invalid`' })
  @ApiNotFoundResponse({ description: '`customer_not_found`: nothing is held about the id.' })
  export(@Param('id') id: string): Promise<CustomerExport> {
    return this.exports.export(id);
  }
}
