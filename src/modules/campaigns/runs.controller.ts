import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { HttpReply } from '../../common/http';
import { UserError } from '../../common/errors';
import { Roles } from '../access/roles';
import type { RunView } from './campaign-run.entity';
import { CampaignRunsService } from './campaign-runs.service';
import type { DecisionView, Page } from './decision.entity';
import { DecisionPageQuery, SimulateDto, StartRunDto } from './runs.dto';
import { SimulationService, SimulationView } from './simulation.service';
import { Audited } from '../access/audit.interceptor';

const STATUS = { created: 201, existing: 200, resumed: 200 } as const;

@ApiTags('runs')
@Roles('marketer')
@Controller()
@Audited()
export class RunsController {
  constructor(
    private readonly runs: CampaignRunsService,
    private readonly simulation: SimulationService,
  ) {}

  @Post('campaigns/:id/simulate')
  @HttpCode(200)
  @ApiOkResponse({ description: 'What a run would do now: counts and a sample. Writes nothing.' })
  @ApiConflictResponse({ description: '`campaign_archived`, `model_no_champion`' })
  simulate(@Param('id') id: string, @Body() body: SimulateDto): Promise<SimulationView> {
    return this.simulation.simulate(id, body);
  }

  /** With `wait` (the default) the request stays open until the run has finished. */
  @Post('campaigns/:id/runs')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as `runKey`.' })
  @ApiCreatedResponse({ description: 'A new run, finished.' })
  @ApiOkResponse({ description: 'The run of this key: finished before, or resumed and finished.' })
  @ApiAcceptedResponse({ description: 'With `wait: false`: the run, still going.' })
  @ApiBadRequestResponse({ description: '`run_key_invalid`, `run_key_conflict`' })
  @ApiConflictResponse({
    description: '`campaign_not_active`, `campaign_outside_dates`, `model_no_champion`',
  })
  async start(
    @Param('id') id: string,
    @Body() body: StartRunDto,
    @Headers('idempotency-key') header: string | undefined,
    @Res({ passthrough: true }) response: HttpReply,
  ): Promise<RunView> {
    const started = await this.runs.begin({
      campaignId: id,
      runKey: runKeyOf(body.runKey, header),
      batchSize: body.batchSize,
    });
    if (body.wait === false) {
      started.done.catch(() => undefined);
      response.status(
        started.outcome === 'existing' && started.run.status === 'succeeded' ? 200 : 202,
      );

      return started.run;
    }
    const run = await started.done;
    response.status(STATUS[started.outcome]);

    return run;
  }

  @Get('campaigns/:id/runs')
  @ApiOkResponse({ description: 'The runs of the campaign, newest first.' })
  @ApiNotFoundResponse({ description: '`campaign_not_found`' })
  list(@Param('id') id: string): Promise<RunView[]> {
    return this.runs.list(id);
  }

  @Get('runs/:id')
  @ApiOkResponse({ description: 'A run: status, cursor, counts and timings.' })
  @ApiNotFoundResponse({ description: '`run_not_found`' })
  get(@Param('id') id: string): Promise<RunView> {
    return this.runs.get(id);
  }

  @Get('runs/:id/decisions')
  @ApiOkResponse({ description: 'The decisions of a run in customer order, a page at a time.' })
  @ApiNotFoundResponse({ description: '`run_not_found`' })
  decisions(
    @Param('id') id: string,
    @Query() query: DecisionPageQuery,
  ): Promise<Page<DecisionView>> {
    return this.runs.listRunDecisions(id, query);
  }
}

/** The run key from the body or the Idempotency-Key header; both must agree when both come. */
function runKeyOf(body: string | undefined, header: string | undefined): string | undefined {
  if (body !== undefined && header !== undefined && body !== header) {
    throw new UserError(
      'run_key_conflict',
      "The body's runKey and the Idempotency-Key header differ; send one of them, or the same.",
      400,
      [{ path: '$.runKey', message: 'differs from the Idempotency-Key header' }],
    );
  }

  return body ?? header;
}
