import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/roles';
import {
  DeliveryDetailView,
  DeliveryView,
  ListDeliveriesQuery,
  Page,
  ReplaySinceDto,
} from './delivery.dto';
import { DeliveryService } from './delivery.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('deliveries')
@Controller('deliveries')
@Audited()
export class DeliveryController {
  constructor(private readonly deliveries: DeliveryService) {}

  @Roles('marketer', { role: 'integrator', ownEndpoint: { query: 'endpointId' } })
  @Get()
  @ApiOkResponse({ description: 'Deliveries, newest first, filtered by status, endpoint, run.' })
  list(@Query() query: ListDeliveriesQuery): Promise<Page<DeliveryView>> {
    return this.deliveries.list(query);
  }

  @Roles('admin')
  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay every dead letter since a time' })
  replaySince(@Body() body: ReplaySinceDto): Promise<{ replayed: number }> {
    return this.deliveries.replayDeadSince(new Date(body.since), body.endpointId);
  }

  @Roles('marketer', { role: 'integrator', ownEndpoint: { deliveryParam: 'id' } })
  @Get(':id')
  @ApiOkResponse({ description: 'One delivery with its payload and every attempt.' })
  get(@Param('id') id: string): Promise<DeliveryDetailView> {
    return this.deliveries.get(id);
  }

  @Roles('admin')
  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a delivered or dead message again, with the same id' })
  replay(@Param('id') id: string): Promise<DeliveryView> {
    return this.deliveries.replay(id);
  }
}
