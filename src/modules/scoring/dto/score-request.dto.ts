import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Min, MinLength } from 'class-validator';
import type { CustomerAttributes } from '../../datasets/dataset-schema';

/** Body of `POST /score`: a customer by attributes or by id. */
export class ScoreRequestDto {
  @ApiProperty({ example: 'bank', description: 'The model; its champion scores unless `version`.' })
  @IsString()
  @MinLength(1)
  model: string;

  @ApiPropertyOptional({ example: 2, description: 'A version to use instead of the champion.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @ApiPropertyOptional({
    example: { age: 41, job: 'management', balance: 1270, housing: 'yes' },
    description: 'The attributes to score, by column name; missing ones are imputed.',
  })
  @IsOptional()
  @IsObject()
  customer?: CustomerAttributes;

  @ApiPropertyOptional({ description: 'A stored customer to score instead of `customer`.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  customerId?: string;
}

export class RealTimeScoreDto {
  @ApiProperty({ example: 0.3127, description: 'Calibrated probability of the positive outcome.' })
  probability: number;

  @ApiProperty({ example: 2, description: "1 (top tenth) to 10, by the version's cut points." })
  decile: number;

  @ApiProperty({ example: 'bank' })
  model: string;

  @ApiProperty({ example: 3 })
  version: number;

  @ApiProperty({ description: 'Id of the model version that scored.' })
  versionId: string;

  @ApiPropertyOptional({
    example: { unused: ['agee'], imputed: ['age'] },
    description:
      'With `customer`: the attributes sent that the model does not read (a misspelt name ' +
      'shows here) and the inputs it imputed, not sent or empty.',
  })
  attributes?: { unused: string[]; imputed: string[] };
}
