import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { ActionType, DELIVERY_STATUSES, DeliveryStatus } from './delivery.types';
import type { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import type { DeliveryEntity } from './entities/delivery.entity';

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 32)
  endpointId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  runId?: string;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ReplaySinceDto {
  @ApiProperty({ description: 'Replays the dead letters that died at or after this time.' })
  @IsISO8601({ strict: true })
  since: string;

  @ApiPropertyOptional({ description: 'Only the dead letters of this endpoint.' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  endpointId?: string;
}

export interface DeliveryView {
  /** Also the `webhook-id` of every attempt. */
  id: string;
  endpointId: string;
  actionType: ActionType;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  deadAt: string | null;
  runId: string;
  campaignId: string;
  decisionIds: string[];
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryDetailView extends DeliveryView {
  /** The message as sent (the parsed envelope). */
  payload: unknown;
  attemptLog: AttemptView[];
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export function toDeliveryView(delivery: DeliveryEntity): DeliveryView {
  const waiting = delivery.status === 'pending' || delivery.status === 'in_flight';

  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    actionType: delivery.actionType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: waiting ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    deadAt: delivery.deadAt?.toISOString() ?? null,
    runId: delivery.runId,
    campaignId: delivery.campaignId,
    decisionIds: delivery.decisionIds,
  };
}

export function toAttemptView(attempt: DeliveryAttemptEntity): AttemptView {
  return {
    attempt: attempt.attempt,
    startedAt: attempt.startedAt.toISOString(),
    statusCode: attempt.statusCode,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
  };
}
