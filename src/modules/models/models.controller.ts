import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { UserError } from '../../common/errors';
import { Actor } from '../access/actor.decorator';
import { Roles } from '../access/roles';
import { JobAcceptedDto, TrainModelDto } from './dto/train-model.dto';
import { PromotionDto } from './dto/promotion.dto';
import { ModelListItem, ModelVersionView, ModelView } from './model-views';
import { ModelsService } from './models.service';
import { Audited } from '../access/audit.interceptor';

const versionPipe = new ParseIntPipe({
  exceptionFactory: () =>
    new UserError('model_version_invalid', 'A model version is a whole number from 1.', 400, [
      { path: '$.version', message: 'must be an integer >= 1' },
    ]),
});

@ApiTags('models')
@Roles('marketer')
@Controller('models')
@Audited()
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOkResponse({ description: 'Every model with its champion and version count.' })
  list(): Promise<ModelListItem[]> {
    return this.models.listModels();
  }

  @Get(':name')
  @ApiOkResponse({ description: 'A model, its versions (newest first) and promotion history.' })
  @ApiNotFoundResponse({ description: '`model_not_found`' })
  get(@Param('name') name: string): Promise<ModelView> {
    return this.models.getModel(name);
  }

  @Get(':name/versions/:version')
  @ApiOkResponse({ description: 'A version with its full metrics, params and pipeline.' })
  @ApiNotFoundResponse({ description: '`model_not_found` or `model_version_not_found`' })
  getVersion(
    @Param('name') name: string,
    @Param('version', versionPipe) version: number,
  ): Promise<ModelVersionView> {
    return this.models.getVersion(name, version);
  }

  @Roles('admin')
  @Post(':name/train')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobAcceptedDto, description: 'The training job was queued.' })
  @ApiBadRequestResponse({ description: 'Bad request, plugin or hyperparameters (JSON paths).' })
  @ApiNotFoundResponse({ description: '`dataset_not_found`' })
  async train(@Param('name') name: string, @Body() body: TrainModelDto): Promise<JobAcceptedDto> {
    const job = await this.models.train(name, body);

    return { jobId: job.id };
  }

  @Roles('admin')
  @Post(':name/versions/:version/promote')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The version, now champion; the previous champion is retired.' })
  @ApiConflictResponse({ description: '`version_already_champion`' })
  promote(
    @Param('name') name: string,
    @Param('version', versionPipe) version: number,
    @Body() body: PromotionDto,
    @Actor() actor: string,
  ): Promise<ModelVersionView> {
    return this.models.promote(name, version, { reason: body.reason, actor });
  }

  @Roles('admin')
  @Post(':name/rollback')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The version that is champion again.' })
  @ApiConflictResponse({ description: '`rollback_unavailable`: no earlier champion.' })
  rollback(
    @Param('name') name: string,
    @Body() body: PromotionDto,
    @Actor() actor: string,
  ): Promise<ModelVersionView> {
    return this.models.rollback(name, { reason: body.reason ?? 'rollback', actor });
  }
}
