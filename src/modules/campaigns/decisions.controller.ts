import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../access/roles';
import { CampaignRunsService } from './campaign-runs.service';
import type { DecisionExplanation, DecisionView, Page } from './decision.entity';
import { DecisionPageQuery, SuppressDto } from './runs.dto';
import type { Suppression } from './suppression.entity';
import { SuppressionsService } from './suppressions.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('decisions')
@Roles('marketer')
@Controller()
export class DecisionsController {
  constructor(private readonly runs: CampaignRunsService) {}

  @Get('decisions/:id')
  @ApiOkResponse({
    description:
      'Why the decision was made: rule and conditions, score and model version, holdout, caps.',
  })
  @ApiNotFoundResponse({ description: '`decision_not_found`' })
  explain(@Param('id') id: string): Promise<DecisionExplanation> {
    return this.runs.explain(id);
  }

  @Get('customers/:id/decisions')
  @ApiOkResponse({ description: "The customer's decisions of every campaign, newest first." })
  list(@Param('id') id: string, @Query() query: DecisionPageQuery): Promise<Page<DecisionView>> {
    return this.runs.listCustomerDecisions(id, query);
  }
}

@ApiTags('suppressions')
@Roles('marketer')
@Controller('customers/:id/suppression')
@Audited()
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Get()
  @ApiOkResponse({ description: 'The suppression of the customer.' })
  @ApiNotFoundResponse({ description: '`suppression_not_found`: the customer is not suppressed.' })
  get(@Param('id') id: string): Promise<Suppression> {
    return this.suppressions.get(id);
  }

  @Put()
  @ApiOkResponse({ description: 'The customer is suppressed: no campaign contacts them.' })
  @ApiBadRequestResponse({ description: '`suppression_invalid`, `validation_failed`' })
  suppress(@Param('id') id: string, @Body() body: SuppressDto): Promise<Suppression> {
    return this.suppressions.suppress(id, body);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Not suppressed (any more).' })
  async unsuppress(@Param('id') id: string): Promise<void> {
    await this.suppressions.unsuppress(id);
  }
}
