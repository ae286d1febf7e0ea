import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import type { IntegrationEntity } from './entities/integration.entity';

export class CreateIntegrationDto {
  @ApiProperty({ example: 'Email service' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({
    description: 'A `whsec_` secret the integration signs with; generated when left out.',
  })
  @IsOptional()
  @IsString()
  secret?: string;
}

export class RotateIntegrationSecretDto {
  @ApiPropertyOptional({ description: 'The new `whsec_` secret; generated when left out.' })
  @IsOptional()
  @IsString()
  secret?: string;
}

export interface IntegrationView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** While a rotated-out secret is still accepted: until when. */
  readonly previousSecretValidUntil: string | null;
}

/** The answer to creating an integration: the only time its secret is shown. */
export interface CreatedIntegrationView extends IntegrationView {
  readonly secret: string;
}

export interface RotatedIntegrationSecretView {
  readonly integrationId: string;
  readonly secret: string;
  readonly previousSecretValidUntil: string;
}

export function toIntegrationView(
  entity: IntegrationEntity,
  previousSecretValidUntil: Date | null,
): IntegrationView {
  return {
    id: entity.id,
    name: entity.name,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    previousSecretValidUntil: previousSecretValidUntil?.toISOString() ?? null,
  };
}
