import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Roles } from '../access/roles';
import { LabelsService, LiftReport } from './labels.service';
import { OUTCOME_TYPES, OutcomeType } from './outcome-types';

export class LiftQuery {
  @ApiPropertyOptional({ enum: OUTCOME_TYPES, description: 'Default `converted`.' })
  @IsOptional()
  @IsIn(OUTCOME_TYPES)
  outcome?: OutcomeType;

  @ApiPropertyOptional({ description: 'Days after a decision an outcome counts; default 14.' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0.001)
  @Max(365)
  windowDays?: number;

  @ApiPropertyOptional({ description: 'Only the decisions of this run.' })
  @IsOptional()
  @IsString()
  @Length(1, 36)
  runId?: string;
}

@ApiTags('campaigns')
@Roles('marketer')
@Controller('campaigns')
export class LiftController {
  constructor(private readonly labels: LabelsService) {}

  @Get(':id/lift')
  @ApiOkResponse({
    description:
      'Contacted, converted, rate and lift over the holdout group (difference with a ' +
      'Newcombe 95% interval, relative lift with a log risk-ratio interval), per campaign ' +
      'and per rule.',
  })
  @ApiNotFoundResponse({ description: '`campaign_not_found`' })
  lift(@Param('id') id: string, @Query() query: LiftQuery): Promise<LiftReport> {
    return this.labels.lift(id, query);
  }
}
