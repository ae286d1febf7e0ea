import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ChangesNothing } from '../access/audit.service';
import { Roles } from '../access/roles';
import { RealTimeScoreDto, ScoreRequestDto } from './dto/score-request.dto';
import { ScoringRunRequestDto } from './dto/scoring-run.dto';
import { ScoringService } from './scoring.service';
import { RealTimeScore, ScoringRunView, StoredScore } from './scoring-views';

@ApiTags('scoring')
@Roles('marketer')
@Controller()
export class ScoringController {
  constructor(private readonly scoring: ScoringService) {}

  @Post('score')
  @HttpCode(200)
  @ChangesNothing()
  @ApiOkResponse({ type: RealTimeScoreDto, description: 'The probability and its decile.' })
  @ApiBadRequestResponse({ description: '`customer_attributes_invalid` naming each attribute.' })
  @ApiNotFoundResponse({ description: '`model_not_found`, `customer_not_found`' })
  @ApiConflictResponse({ description: '`model_no_champion`' })
  score(@Body() body: ScoreRequestDto): Promise<RealTimeScore> {
    return this.scoring.scoreCustomer({
      modelName: body.model,
      version: body.version,
      customer: body.customer,
      customerId: body.customerId,
    });
  }

  /** Runs to the end before answering; a long run holds the request open meanwhile. */
  @Post('scoring/runs')
  @ApiCreatedResponse({ description: 'The finished run with its score distribution.' })
  @ApiBadRequestResponse({ description: '`audience_invalid` with JSON paths.' })
  @ApiNotFoundResponse({ description: '`model_not_found`, `model_version_not_found`' })
  @ApiConflictResponse({ description: '`model_no_champion`' })
  startRun(@Body() body: ScoringRunRequestDto): Promise<ScoringRunView> {
    return this.scoring.scoreAll({
      modelName: body.model,
      version: body.version,
      audience: body.audience,
      batchSize: body.batchSize,
    });
  }

  @Get('scoring/runs')
  @ApiQuery({ name: 'model', required: false })
  @ApiOkResponse({ description: 'The latest 100 runs, newest first.' })
  listRuns(@Query('model') model?: string): Promise<ScoringRunView[]> {
    return this.scoring.listRuns(model);
  }

  @Get('scoring/runs/:id')
  @ApiOkResponse({ description: 'A run: status, counts and score distribution.' })
  @ApiNotFoundResponse({ description: '`scoring_run_not_found`' })
  getRun(@Param('id') id: string): Promise<ScoringRunView> {
    return this.scoring.getRun(id);
  }

  @Get('customers/:id/scores')
  @ApiOkResponse({ description: "The customer's current score from each model." })
  @ApiNotFoundResponse({ description: '`customer_not_found`' })
  async getScores(@Param('id') id: string): Promise<{ customerId: string; scores: StoredScore[] }> {
    return { customerId: id, scores: await this.scoring.getScores(id) };
  }
}
