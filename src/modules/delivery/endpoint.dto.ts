import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { ACTION_TYPES, ActionType } from './delivery.types';
import type { EndpointEntity } from './entities/endpoint.entity';

const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
};

export const MAX_BATCH_SIZE = 10_000;

const INCLUDE_PERSONAL_DOC: ApiPropertyOptions = {
  type: [String],
  example: ['email'],
  description:
    'Personal attributes (email, phone, name …) this endpoint receives, as `data.personal`; ' +
    'no attribute is sent otherwise. Default none.',
};

export class CreateEndpointDto {
  @ApiProperty({ example: 'Email service' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: 'https://hooks.example.com/bullseye' })
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  url: string;

  @ApiProperty({ enum: ACTION_TYPES, isArray: true, example: ['email'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ACTION_TYPES, { each: true })
  actionTypes: ActionType[];

  @ApiPropertyOptional({
    description: 'A `whsec_` secret to sign with; generated (and returned once) when left out.',
  })
  @IsOptional()
  @IsString()
  secret?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Customers per `ad` message; one per message when unset.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  batchSize?: number;

  @ApiPropertyOptional(INCLUDE_PERSONAL_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  includePersonal?: string[];
}

export class UpdateEndpointDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http or https URL' })
  url?: string;

  @ApiPropertyOptional({ enum: ACTION_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ACTION_TYPES, { each: true })
  actionTypes?: ActionType[];

  @ApiPropertyOptional({ description: 'Enabling clears the disabled reason.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Why it is disabled; only with `enabled: false`.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  disabledReason?: string;

  @ApiPropertyOptional({ nullable: true, description: '`null` stops batching.' })
  @IsOptional()
  @ValidateIf((dto: UpdateEndpointDto) => dto.batchSize !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  batchSize?: number | null;

  @ApiPropertyOptional(INCLUDE_PERSONAL_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  includePersonal?: string[];
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'The new `whsec_` secret; generated when left out.' })
  @IsOptional()
  @IsString()
  secret?: string;
}

/** An endpoint as the API shows it: never with a secret. */
export interface EndpointView {
  id: string;
  name: string;
  url: string;
  actionTypes: ActionType[];
  enabled: boolean;
  disabledReason: string | null;
  batchSize: number | null;
  /** Personal attributes sent in this endpoint's payloads. */
  includePersonal: string[];
  /** While a rotated-out secret still signs: when it stops. */
  secretRotationEndsAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The answer to `POST /endpoints`: the only time the secret is shown. */
export interface CreatedEndpointView extends EndpointView {
  secret: string;
}

export interface RotatedSecretView {
  endpointId: string;
  /** The new secret, shown this once. */
  secret: string;
  /** Until when the previous secret keeps signing beside the new one. */
  previousSecretValidUntil: string;
}

export function toEndpointView(
  endpoint: EndpointEntity,
  rotationEndsAt: Date | null,
): EndpointView {
  return {
    id: endpoint.id,
    name: endpoint.name,
    url: endpoint.url,
    actionTypes: endpoint.actionTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    batchSize: endpoint.batchSize,
    includePersonal: endpoint.includePersonal ?? [],
    secretRotationEndsAt: rotationEndsAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
