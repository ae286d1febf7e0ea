import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Optional body of promote and rollback: kept in the model's promotion history. */
export class PromotionDto {
  @ApiPropertyOptional({ example: 'higher ROC AUC on the March holdout' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ example: 'maria', description: 'Who asks; default `api`.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;
}
