import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { DECISION_STATUSES, DecisionStatus } from './decision-core';
import { MAX_PAGE_SIZE } from './decision.entity';
import { MAX_RUN_BATCH_SIZE, MAX_SAMPLE_SIZE } from './simulation.service';
import { SUPPRESSION_REASONS, SuppressionReason } from './suppression.entity';

/*
 * The DTOs check the shape of a request; the services check ranges and report the same codes
 * and JSON paths to the CLI.
 */

/** Body of `POST /campaigns/:id/runs`. */
export class StartRunDto {
  @ApiPropertyOptional({
    example: 'spring-2026-week-14',
    description:
      'Idempotency key (or send the Idempotency-Key header): the same key returns the run, ' +
      'or resumes it when it stopped before the end. A new run when absent.',
  })
  @IsOptional()
  @IsString()
  runKey?: string;

  @ApiPropertyOptional({ example: 2000, maximum: MAX_RUN_BATCH_SIZE })
  @IsOptional()
  @IsInt()
  batchSize?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'Answer when the run has finished (201); false answers at once (202).',
  })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

/** Body of `POST /campaigns/:id/simulate`. */
export class SimulateDto {
  @ApiPropertyOptional({ example: 20, maximum: MAX_SAMPLE_SIZE })
  @IsOptional()
  @IsInt()
  sampleSize?: number;

  @ApiPropertyOptional({ example: 2000, maximum: MAX_RUN_BATCH_SIZE })
  @IsOptional()
  @IsInt()
  batchSize?: number;
}

export class DecideCustomerDto {
  @ApiPropertyOptional({ description: 'Decide as this customer (holdout, history, suppression).' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  id?: string;

  @ApiProperty({ example: { age: 41, job: 'management', balance: 1270, housing: true } })
  @IsObject()
  attributes: CustomerAttributes;
}

/** Body of `POST /decide`. */
export class DecideDto {
  @ApiPropertyOptional({ description: 'A stored customer.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  customerId?: string;

  @ApiPropertyOptional({ type: DecideCustomerDto, description: 'Or a customer described here.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DecideCustomerDto)
  customer?: DecideCustomerDto;

  @ApiPropertyOptional({ default: false, description: 'Decide, but record and deliver nothing.' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/** Body of `PUT /customers/:id/suppression`. */
export class SuppressDto {
  @ApiProperty({ enum: SUPPRESSION_REASONS })
  @IsIn(SUPPRESSION_REASONS)
  reason: SuppressionReason;

  @ApiPropertyOptional({ example: 'crm', description: 'Who asks; `api` when left out.' })
  @IsOptional()
  @IsString()
  source?: string;
}

/** `?limit=&offset=&status=` of the decision lists. */
export class DecisionPageQuery {
  @ApiPropertyOptional({ default: 100, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ enum: DECISION_STATUSES })
  @IsOptional()
  @IsIn(DECISION_STATUSES)
  status?: DecisionStatus;
}
