import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../access/roles';
import {
  CreatedEndpointView,
  CreateEndpointDto,
  EndpointView,
  RotatedSecretView,
  RotateSecretDto,
  UpdateEndpointDto,
} from './endpoint.dto';
import { EndpointService } from './endpoint.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('endpoints')
@Roles('admin')
@Controller('endpoints')
@Audited()
export class EndpointController {
  constructor(private readonly endpoints: EndpointService) {}

  @Post()
  @ApiOperation({ summary: 'Register a webhook endpoint' })
  @ApiCreatedResponse({ description: 'The endpoint with its signing secret, shown this once.' })
  create(@Body() body: CreateEndpointDto): Promise<CreatedEndpointView> {
    return this.endpoints.create(body);
  }

  @Get()
  @ApiOkResponse({ description: 'Every endpoint, without secrets.' })
  list(): Promise<EndpointView[]> {
    return this.endpoints.list();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<EndpointView> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an endpoint; enabling it resumes its waiting deliveries' })
  update(@Param('id') id: string, @Body() body: UpdateEndpointDto): Promise<EndpointView> {
    return this.endpoints.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; its undelivered messages are dead letters.' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.endpoints.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the signing secret; the old one signs on during the overlap' })
  rotateSecret(@Param('id') id: string, @Body() body: RotateSecretDto): Promise<RotatedSecretView> {
    return this.endpoints.rotateSecret(id, body);
  }
}
