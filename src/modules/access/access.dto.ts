import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import type { ApiKeyEntity } from './entities/api-key.entity';
import type { AuditEntryEntity } from './entities/audit-entry.entity';
import { Role, ROLES } from './roles';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'crm-sync', description: 'A label: who or what uses the key.' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({
    type: [String],
    description: 'Integrator keys only: the endpoints whose deliveries the key may read.',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  endpointIds?: string[];
}

export class SetKeyEndpointsDto {
  @ApiProperty({ type: [String], description: 'Replaces the endpoints linked to the key.' })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  endpointIds: string[];
}

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class AuditQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 32)
  keyId?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ enum: METHODS })
  @IsOptional()
  @IsIn(METHODS)
  method?: (typeof METHODS)[number];

  @ApiPropertyOptional({ description: 'Part of the route pattern, e.g. `/campaigns/:id`.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  route?: string;

  @ApiPropertyOptional({ description: 'An id the request named or created.' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  target?: string;

  @ApiPropertyOptional({ description: 'The status code answered, e.g. 403.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({ description: 'Entries at or after this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Entries before this time (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

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

/** A key as lists show it: never the key, nor its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  endpointIds: string[];
}

/** The answer to creating a key: the only time the key is shown. */
export interface CreatedApiKeyView extends ApiKeyView {
  key: string;
}

export interface AuditEntryView {
  id: number;
  at: string;
  keyId: string | null;
  /** The key's name now (`null` without a key, or once the key is gone). */
  keyName: string | null;
  role: Role | null;
  action: string;
  target: Record<string, string>;
  status: number;
  requestId: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export function toApiKeyView(key: ApiKeyEntity, endpointIds: string[]): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    endpointIds,
  };
}

export function toAuditEntryView(entry: AuditEntryEntity, keyName: string | null): AuditEntryView {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    keyId: entry.keyId,
    keyName,
    role: entry.role,
    action: entry.action,
    target: entry.target,
    status: entry.status,
    requestId: entry.requestId,
  };
}
