import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { UserError } from '../../common/errors';
import { Actor } from '../access/actor.decorator';
import { Roles } from '../access/roles';
import { DriftService } from './drift.service';
import { RetrainingService } from './retraining.service';
import { SchedulesService } from './schedules.service';
import { DriftReportView, RetrainingRunView, ScheduleView } from './scheduling-views';
import { Audited } from '../access/audit.interceptor';

const SCHEDULE_BODY = {
  type: 'object',
  properties: {
    modelName: { type: 'string', example: 'bank' },
    cron: { type: 'string', example: '0 3 * * *', description: 'five fields, or six with seconds' },
    timeZone: { type: 'string', example: 'Europe/Lisbon', default: 'UTC' },
    source: {
      type: 'object',
      example: { kind: 'dataset', datasetId: '3f2c…' },
      description: 'where the labelled rows come from; `kind` tells the sources apart',
    },
    plugins: {
      type: 'array',
      nullable: true,
      items: { type: 'object', properties: { id: { type: 'string' }, params: { type: 'object' } } },
      description: "null (default): the champion's plugin and parameters",
    },
    metric: { type: 'string', enum: ['rocAuc', 'prAuc', 'logLoss', 'brier'], default: 'rocAuc' },
    margin: { type: 'number', default: 0.002 },
    guards: {
      type: 'object',
      properties: {
        minRows: { type: 'integer', default: 1000 },
        requireBothClasses: { type: 'boolean', default: true },
        maxEceIncrease: { type: 'number', default: 0.02 },
      },
    },
    drift: {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['always', 'on_drift'], default: 'always' },
        threshold: { type: 'number', default: 0.2 },
      },
    },
    testShare: { type: 'number', default: 0.2 },
    enabled: { type: 'boolean', default: true },
  },
};

/** Optional body of `POST /models/:name/retrain`. */
export class RetrainDto {
  @ApiPropertyOptional({
    example: 'maria',
    description: 'Who asks, for the history; default `api`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;
}

@ApiTags('scheduling')
@Roles('marketer')
@Controller()
@Audited()
export class SchedulesController {
  constructor(
    private readonly schedules: SchedulesService,
    private readonly retraining: RetrainingService,
    private readonly drift: DriftService,
  ) {}

  @Roles('admin')
  @Post('schedules')
  @ApiBody({ schema: { ...SCHEDULE_BODY, required: ['modelName', 'cron', 'source'] } })
  @ApiCreatedResponse({ description: 'The schedule, with its cron job registered and started.' })
  @ApiBadRequestResponse({ description: '`schedule_invalid`, naming `$.cron`, `$.timeZone` …' })
  @ApiConflictResponse({ description: '`schedule_exists`: the model has a schedule already.' })
  create(@Body() body: unknown): Promise<ScheduleView> {
    return this.schedules.create(body);
  }

  @Get('schedules')
  @ApiOkResponse({ description: 'Every retraining schedule, with its cron job in this process.' })
  list(): Promise<ScheduleView[]> {
    return this.schedules.list();
  }

  @Get('schedules/:id')
  @ApiNotFoundResponse({ description: '`retraining_schedule_not_found`' })
  get(@Param('id') id: string): Promise<ScheduleView> {
    return this.schedules.get(id);
  }

  @Roles('admin')
  @Patch('schedules/:id')
  @ApiBody({ schema: SCHEDULE_BODY })
  @ApiOkResponse({ description: 'The schedule as changed; its cron job follows.' })
  update(@Param('id') id: string, @Body() body: unknown): Promise<ScheduleView> {
    return this.schedules.update(id, body);
  }

  @Roles('admin')
  @Delete('schedules/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its cron job; its runs are kept.' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.schedules.remove(id);
  }

  @Get('schedules/:id/runs')
  @ApiOkResponse({ description: "The schedule's retraining runs, newest first." })
  runs(@Param('id') id: string, @Query('limit') limit?: string): Promise<RetrainingRunView[]> {
    return this.schedules.listRuns(id, parseLimit(limit));
  }

  @Get('retraining-runs/:id')
  @ApiOkResponse({ description: 'A run: the figures compared, the decision and its reason.' })
  @ApiNotFoundResponse({ description: '`retraining_run_not_found`' })
  run(@Param('id') id: string): Promise<RetrainingRunView> {
    return this.retraining.getRun(id);
  }

  @Roles('admin')
  @Post('models/:name/retrain')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'The run started; follow it at /retraining-runs/{id}.' })
  @ApiNotFoundResponse({ description: '`retraining_schedule_not_found`' })
  @ApiConflictResponse({ description: '`retraining_in_progress`' })
  async retrain(
    @Param('name') name: string,
    @Body() _body: RetrainDto,
    @Actor() actor: string,
  ): Promise<RetrainingRunView> {
    const { run } = await this.schedules.retrainModel(name, actor);

    return run;
  }

  @Get('models/:name/retraining-runs')
  @ApiOkResponse({ description: "The model's retraining runs, newest first." })
  modelRuns(
    @Param('name') name: string,
    @Query('limit') limit?: string,
  ): Promise<RetrainingRunView[]> {
    return this.retraining.listRuns({ modelName: name }, parseLimit(limit));
  }

  @Get('models/:name/drift')
  @ApiOkResponse({ description: "The model's drift reports (PSI per feature and of the scores)." })
  driftReports(
    @Param('name') name: string,
    @Query('limit') limit?: string,
  ): Promise<DriftReportView[]> {
    return this.drift.listReports(name, parseLimit(limit));
  }
}

function parseLimit(limit: string | undefined): number {
  if (limit === undefined) {
    return 50;
  }
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new UserError(
      'limit_invalid',
      `limit must be a whole number from 1 to 1000; got "${limit}".`,
      400,
      [{ path: '$.limit', message: 'must be an integer from 1 to 1000' }],
    );
  }

  return value;
}
