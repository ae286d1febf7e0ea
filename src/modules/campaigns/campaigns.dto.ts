import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';
import type { BooleanCondition } from './rules';
import { CAMPAIGN_STATUSES, CampaignStatus } from './campaign-lifecycle';
import { ARBITRATIONS, Arbitration, CAP_ACTIONS, CapAction } from './campaign-validation';

/*
 * The DTOs check the shape of a request; ranges, rules and the audience are checked by
 * `validateCampaign`, which the CLI shares, so both report the same codes and JSON paths.
 */

const RULES_EXAMPLE = [
  {
    name: 'likely-responders',
    priority: 10,
    conditions: {
      all: [
        { fact: 'score', operator: 'greaterThanInclusive', value: 0.5 },
        { fact: 'days_since_last_action', path: '$.email', operator: 'greaterThan', value: 7 },
      ],
    },
    event: { type: 'email', params: { template: 'term-deposit-offer' } },
  },
];

const RULES_SCHEMA = {
  type: 'array',
  items: { type: 'object' },
  example: RULES_EXAMPLE,
  description:
    'json-rules-engine rules whose event type is ad, promo, email or social. Facts: score, ' +
    'score_decile, days_since_last_action and actions_last_30d (with a path $.email, $.ad, ' +
    "$.promo, $.social or $.any) and the columns of the model's dataset.",
} as const;

export class FrequencyCapDto {
  @ApiProperty({ enum: CAP_ACTIONS, description: 'The channel counted, or any for all.' })
  @IsString()
  action: CapAction;

  @ApiProperty({ example: 2, description: 'Most actions a customer gets in the window.' })
  @IsNumber()
  max: number;

  @ApiProperty({ example: 7, description: 'Length of the window in days.' })
  @IsNumber()
  windowDays: number;
}

/** Body of `POST /campaigns`. */
export class CreateCampaignDto {
  @ApiProperty({ example: 'term-deposit-spring', maxLength: 100 })
  @IsString()
  name: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiProperty({ example: 'bank', description: 'The model whose champion scores customers.' })
  @IsString()
  modelName: string;

  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    example: { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 25 }] },
    description: 'json-rules-engine conditions over customer attributes; null for everyone.',
  })
  @IsOptional()
  @IsObject()
  audience?: BooleanCondition | null;

  @ApiPropertyOptional(RULES_SCHEMA)
  @IsOptional()
  @IsArray()
  rules?: unknown[];

  @ApiPropertyOptional({ default: 0.1, minimum: 0, maximum: 0.5 })
  @IsOptional()
  @IsNumber()
  holdoutShare?: number;

  @ApiPropertyOptional({
    type: [FrequencyCapDto],
    description: 'Caps on the actions a customer gets, counted across all campaigns.',
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FrequencyCapDto)
  frequencyCaps?: FrequencyCapDto[];

  @ApiPropertyOptional({
    enum: ARBITRATIONS,
    default: 'one_per_customer',
    description:
      'one_per_customer: the highest-priority rule that fired wins; one_per_action: the ' +
      'highest-priority rule per action.',
  })
  @IsOptional()
  @IsString()
  arbitration?: Arbitration;

  @ApiPropertyOptional({ nullable: true, type: String, example: '2026-03-01T00:00:00Z' })
  @IsOptional()
  @IsString()
  startsAt?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '2026-04-01T00:00:00Z' })
  @IsOptional()
  @IsString()
  endsAt?: string | null;
}

/**
 * Body of `PATCH /campaigns/:id`: the fields to change. Rules, audience and model change in
 * draft or paused only; sending rules makes a new revision.
 */
export class UpdateCampaignDto extends PartialType(CreateCampaignDto) {}

/** Query of `GET /campaigns`. */
export class ListCampaignsQuery {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;
}

/** Body of `PUT /campaigns/:id/rules`: a document as `GET /campaigns/:id/rules` returns it. */
export class RulesDocumentDto {
  @ApiPropertyOptional({ description: "The campaign's name; refused when it names another." })
  @IsOptional()
  @IsString()
  campaign?: string;

  @ApiPropertyOptional({
    description: 'The revision exported; a 409 when the rules changed since (omit to overwrite).',
  })
  @IsOptional()
  @IsNumber()
  revision?: number;

  @ApiProperty(RULES_SCHEMA)
  @IsArray()
  rules: unknown[];
}

/** A rules document as `GET /campaigns/:id/rules` returns it. */
export class RulesDocumentResponse {
  @ApiProperty() campaign: string;
  @ApiProperty() revision: number;
  @ApiProperty(RULES_SCHEMA) rules: unknown[];
}

/** A campaign as the API returns it. */
export class CampaignResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: string;
  @ApiProperty() modelName: string;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true })
  audience: Record<string, unknown> | null;
  @ApiProperty(RULES_SCHEMA) rules: unknown[];
  @ApiProperty({ description: 'One more with every write of the rules.' }) revision: number;
  @ApiProperty() holdoutShare: number;
  @ApiProperty({ type: [FrequencyCapDto] }) frequencyCaps: FrequencyCapDto[];
  @ApiProperty({ enum: ARBITRATIONS }) arbitration: string;
  @ApiProperty({ nullable: true, type: String }) startsAt: string | null;
  @ApiProperty({ nullable: true, type: String }) endsAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
