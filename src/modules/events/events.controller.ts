import { Body, Controller, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { HttpRequest } from '../../common/http';
import { UserError } from '../../common/errors';
import { Roles } from '../access/roles';
import { EventsService, IngestResult } from './events.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('events')
@Roles('integrator')
@Controller('events')
@Audited()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report outcome events (one object or an array), signed with Standard Webhooks',
  })
  @ApiOkResponse({
    description:
      '`accepted` with the events stored, or `duplicate` for a `webhook-id` taken before ' +
      '(nothing stored).',
  })
  @ApiUnauthorizedResponse({
    description:
      '`signature_missing`, `signature_timestamp_invalid`, `signature_stale` (outside ±5 ' +
      'minutes), `signature_invalid`',
  })
  @ApiBadRequestResponse({ description: '`events_invalid`, with a JSON path per problem' })
  receive(
    @Req() request: RawBodyRequest<HttpRequest>,
    @Body() body: unknown,
  ): Promise<IngestResult> {
    if (!request.rawBody) {
      throw new UserError(
        'events_content_type',
        'Send the events as JSON, with Content-Type: application/json.',
        415,
      );
    }

    return this.events.receive({ headers: request.headers, rawBody: request.rawBody, body });
  }
}
