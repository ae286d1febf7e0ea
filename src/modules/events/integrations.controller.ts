import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../access/roles';
import {
  CreatedIntegrationView,
  CreateIntegrationDto,
  IntegrationView,
  RotatedIntegrationSecretView,
  RotateIntegrationSecretDto,
} from './integrations.dto';
import { IntegrationsService } from './integrations.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('integrations')
@Roles('admin')
@Controller('integrations')
@Audited()
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @ApiOperation({ summary: 'Register an integration that reports outcome events' })
  @ApiCreatedResponse({ description: 'The integration with its signing secret, shown this once.' })
  @ApiConflictResponse({ description: '`integration_name_taken`' })
  create(@Body() body: CreateIntegrationDto): Promise<CreatedIntegrationView> {
    return this.integrations.create(body);
  }

  @Get()
  @ApiOkResponse({ description: 'Every integration, without secrets.' })
  list(): Promise<IntegrationView[]> {
    return this.integrations.list();
  }

  @Get(':id')
  @ApiNotFoundResponse({ description: '`integration_not_found`' })
  get(@Param('id') id: string): Promise<IntegrationView> {
    return this.integrations.get(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the secret; the old one is accepted during the overlap' })
  rotateSecret(
    @Param('id') id: string,
    @Body() body: RotateIntegrationSecretDto,
  ): Promise<RotatedIntegrationSecretView> {
    return this.integrations.rotateSecret(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; the events it reported stay.' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.integrations.remove(id);
  }
}
