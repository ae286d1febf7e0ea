import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { CustomerAttributes } from '../../datasets/dataset-schema';

/** Body of `POST /score`: a customer by attributes or by id. */
export interface ScoreRequest {
  readonly model: string;
  readonly version?: number;
  readonly customer?: CustomerAttributes;
  readonly customerId?: string;
}

/**
 * The check of a `POST /score` body and its documentation in one (SchemaBodyPipe,
 * `@ApiBody`). Which of `customer` and `customerId` is sent is the service's check
 * (`score_request_invalid`).
 */
export const SCORE_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: {
      type: 'string',
      minLength: 1,
      example: 'bank',
      description: 'The model; its champion scores unless `version`.',
    },
    version: {
      type: 'integer',
      minimum: 1,
      example: 2,
      description: 'A version to use instead of the champion.',
    },
    customer: {
      type: 'object',
      example: { age: 41, job: 'management', balance: 1270, housing: 'yes' },
      description: 'The attributes to score, by column name; missing ones are imputed.',
    },
    customerId: {
      type: 'string',
      minLength: 1,
      description: 'A stored customer to score instead of `customer`.',
    },
  },
};

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
