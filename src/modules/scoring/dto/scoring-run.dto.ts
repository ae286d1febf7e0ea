import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import type { BooleanCondition } from '../../campaigns/rules/rule-types';
import { MAX_SCORING_BATCH_SIZE } from '../scoring.service';

/** Body of `POST /scoring/runs`. */
export class ScoringRunRequestDto {
  @ApiProperty({ example: 'bank' })
  @IsString()
  @MinLength(1)
  model: string;

  @ApiPropertyOptional({ example: 2, description: 'A version to use instead of the champion.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @ApiPropertyOptional({
    example: { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 40 }] },
    description:
      'json-rules-engine conditions over customer attributes; only matching customers are scored.',
  })
  @IsOptional()
  @IsObject()
  audience?: BooleanCondition;

  @ApiPropertyOptional({ example: 5000, description: 'Customers per batch (default 5,000).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SCORING_BATCH_SIZE)
  batchSize?: number;
}
