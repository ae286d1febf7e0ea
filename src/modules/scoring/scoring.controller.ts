import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ChangesNothing } from '../access/audit.service';
import { Roles } from '../access/roles';
import { SchemaBodyPipe } from '../../common/json-schema';
import { RealTimeScoreDto, SCORE_REQUEST_SCHEMA, ScoreRequest } from './dto/score-request.dto';
import { ScoringRunRequestDto } from './dto/scoring-run.dto';
import { ScoringService } from './scoring.service';
import { RealTimeScore, ScoringRunView, StoredScore } from './scoring-views';
import { Audited } from '../access/audit.interceptor';

/**
 * POST /score, on its own: it changes nothing, so it is not audited, and its body is checked
 * by a compiled JSON Schema rather than the class-validator pipe. Without Nest's interceptor
 * chain and that pipe it cost about a fifth less CPU a request in `npm run bench:load`.
 */
@ApiTags('scoring')
@Roles('marketer')
@Controller()
export class RealTimeScoringController {
  constructor(private readonly scoring: ScoringService) {}

  @Post('score')
  @HttpCode(200)
  @ChangesNothing()
  @ApiBody({ schema: SCORE_REQUEST_SCHEMA })
  @ApiOkResponse({ type: RealTimeScoreDto, description: 'The probability and its decile.' })
  @ApiBadRequestResponse({
    description: '`validation_failed`, `score_request_invalid`, `customer_attributes_invalid`',
  })
  @ApiNotFoundResponse({ description: '`model_not_found`, `customer_not_found`' })
  @ApiConflictResponse({ description: '`model_no_champion`' })
  score(
    @Body(new SchemaBodyPipe<ScoreRequest>(SCORE_REQUEST_SCHEMA)) body: ScoreRequest,
  ): Promise<RealTimeScore> {
    return this.scoring.scoreCustomer({
      modelName: body.model,
      version: body.version,
      customer: body.customer,
      customerId: body.customerId,
    });
  }
}

@ApiTags('scoring')
@Roles('marketer')
@Controller()
@Audited()
export class ScoringController {
  constructor(private readonly scoring: ScoringService) {}

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
