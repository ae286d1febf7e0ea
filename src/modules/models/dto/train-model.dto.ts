import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class PluginChoiceDto {
  @ApiProperty({ example: 'logistic', description: 'Id of a plugin listed by GET /plugins.' })
  @IsString()
  id: string;

  @ApiPropertyOptional({
    example: { C: 1 },
    description: "Hyperparameters, checked against the plugin's schema; omitted ones default.",
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}

/** Body of `POST /models/:name/train`. Ranges are checked by the service (shared with the CLI). */
export class TrainModelDto {
  @ApiProperty({ description: 'The dataset to train on (it needs a target column).' })
  @IsString()
  datasetId: string;

  @ApiProperty({
    type: [PluginChoiceDto],
    description: 'Plugins to train, in turn; each makes one model version.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => PluginChoiceDto)
  plugins: PluginChoiceDto[];

  @ApiPropertyOptional({ default: 0.2, minimum: 0.05, maximum: 0.5 })
  @IsOptional()
  @IsNumber()
  testShare?: number;

  @ApiPropertyOptional({ description: 'Seed of the splits and the training; default 42.' })
  @IsOptional()
  @IsInt()
  seed?: number;

  @ApiPropertyOptional({ enum: ['platt', 'isotonic', 'none'], default: 'platt' })
  @IsOptional()
  @IsIn(['platt', 'isotonic', 'none'])
  calibration?: 'platt' | 'isotonic' | 'none';

  @ApiPropertyOptional({
    default: 0.2,
    description: 'Share of the training split kept back to fit the calibration on.',
  })
  @IsOptional()
  @IsNumber()
  calibrationShare?: number;

  @ApiPropertyOptional({
    description: 'Preprocessing options (imputation, outliers, scaling, selection …).',
    example: { outliers: 'clip', selection: { method: 'mutual_info', k: 20 } },
  })
  @IsOptional()
  @IsObject()
  preprocessing?: Record<string, unknown>;

  @ApiPropertyOptional({ default: 0, description: 'Cross-validation folds; 0 turns it off.' })
  @IsOptional()
  @IsInt()
  cvFolds?: number;

  @ApiPropertyOptional({
    default: false,
    description:
      'Let personal columns (email, phone, name …) be features; otherwise they are dropped ' +
      "before the pipeline is fitted, as the version's metrics.personal records.",
  })
  @IsOptional()
  @IsBoolean()
  allowPersonalFeatures?: boolean;

  @ApiPropertyOptional({
    enum: ['best', 'none'],
    default: 'none',
    description: '`best` makes the version with the best test ROC AUC the champion.',
  })
  @IsOptional()
  @IsIn(['best', 'none'])
  promote?: 'best' | 'none';

  @ApiPropertyOptional({ description: 'Description of the model, set when given.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class JobAcceptedDto {
  @ApiProperty({ description: 'Poll GET /jobs/{jobId} for progress and the result.' })
  jobId: string;
}
