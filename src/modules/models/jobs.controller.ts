import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/roles';
import { TrainingJobView } from './model-views';
import { ModelsService } from './models.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('models')
@Roles('marketer')
@Controller('jobs')
@Audited()
export class JobsController {
  constructor(private readonly models: ModelsService) {}

  @Get(':id')
  @ApiOkResponse({ description: 'Status, progress (0–1), message, result or error of a job.' })
  @ApiNotFoundResponse({ description: '`training_job_not_found`' })
  get(@Param('id') id: string): Promise<TrainingJobView> {
    return this.models.getJob(id);
  }

  @Roles('admin')
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ description: 'A queued job is cancelled; a running one stops shortly.' })
  @ApiConflictResponse({ description: '`training_job_finished`' })
  cancel(@Param('id') id: string): Promise<TrainingJobView> {
    return this.models.cancelJob(id);
  }
}
