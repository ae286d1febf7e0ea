import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiKeyView,
  AuditEntryView,
  AuditQuery,
  CreateApiKeyDto,
  CreatedApiKeyView,
  Page,
  SetKeyEndpointsDto,
} from './access.dto';
import { ApiKeysService } from './api-keys.service';
import { AuditService } from './audit.service';
import { Roles } from './roles';
import { Audited } from './audit.interceptor';

@ApiTags('access')
@Roles('admin')
@Controller('keys')
@Audited()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Make an API key' })
  @ApiCreatedResponse({ description: 'The key with its `key`, shown this once.' })
  @ApiBadRequestResponse({ description: '`validation_failed`, `api_key_endpoints_unused`' })
  @ApiNotFoundResponse({ description: '`endpoint_not_found`' })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    return this.keys.create(body);
  }

  @Get()
  @ApiOkResponse({ description: 'Every key, newest first, without the keys themselves.' })
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Get(':id')
  @ApiNotFoundResponse({ description: '`api_key_not_found`' })
  get(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.get(id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key for good; its next request is refused' })
  @ApiNotFoundResponse({ description: '`api_key_not_found`' })
  revoke(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.revoke(id);
  }

  @Put(':id/endpoints')
  @ApiOperation({ summary: 'Set the endpoints whose deliveries an integrator key may read' })
  @ApiNotFoundResponse({ description: '`api_key_not_found`, `endpoint_not_found`' })
  setEndpoints(@Param('id') id: string, @Body() body: SetKeyEndpointsDto): Promise<ApiKeyView> {
    return this.keys.setEndpoints(id, body.endpointIds);
  }
}

@ApiTags('access')
@Roles('admin')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({
    description: 'Mutating requests, newest first: key, role, method and route, ids, status.',
  })
  list(@Query() query: AuditQuery): Promise<Page<AuditEntryView>> {
    return this.audit.list(query);
  }
}
