import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ChangesNothing } from '../access/audit.service';
import { Roles } from '../access/roles';
import { DecideService, DecideView } from './decide.service';
import { DecideDto } from './runs.dto';
import { Audited } from '../access/audit.interceptor';

@ApiTags('decisions')
@Roles('marketer')
@Controller('decide')
@Audited()
export class DecideController {
  constructor(private readonly decisions: DecideService) {}

  @Post()
  @HttpCode(200)
  @ChangesNothing((request) => (request.body as { dryRun?: unknown } | undefined)?.dryRun === true)
  @ApiOkResponse({
    description:
      'For each active campaign: action (or none), score, decile, rule, reason, holdout. ' +
      'Recorded and delivered unless dryRun.',
  })
  @ApiBadRequestResponse({ description: '`decide_request_invalid`, `customer_attributes_invalid`' })
  @ApiNotFoundResponse({ description: '`customer_not_found`' })
  @ApiConflictResponse({ description: '`model_no_champion`' })
  decide(@Body() body: DecideDto): Promise<DecideView> {
    return this.decisions.decide(body);
  }
}
