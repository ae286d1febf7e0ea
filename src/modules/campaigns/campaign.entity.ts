import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BooleanCondition, CampaignRule } from './rules';
import type { CampaignStatus } from './campaign-lifecycle';
import type { Arbitration, FrequencyCap } from './campaign-validation';

/** A campaign definition: which customers, which model's scores, which rules decide. */
@Entity({ name: 'campaigns' })
export class CampaignEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'name', type: 'varchar', length: 100, unique: true })
  name: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: CampaignStatus;

  /** The model whose champion scores the rules read. */
  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  /** json-rules-engine conditions over customer attributes; null for every customer. */
  @Column({ name: 'audience', type: 'simple-json', nullable: true })
  audience: BooleanCondition | null;

  @Column({ name: 'rules', type: 'simple-json' })
  rules: CampaignRule[];

  /** 1 at creation, one more with every write of the rules. */
  @Column({ name: 'revision', type: 'integer' })
  revision: number;

  /** Share of the audience kept out as the control group, 0 to 0.5. */
  @Column({ name: 'holdout_share', type: 'real' })
  holdoutShare: number;

  @Column({ name: 'frequency_caps', type: 'simple-json' })
  frequencyCaps: FrequencyCap[];

  @Column({ name: 'arbitration', type: 'varchar', length: 32 })
  arbitration: Arbitration;

  /** ISO 8601; null for no bound. */
  @Column({ name: 'starts_at', type: 'varchar', length: 24, nullable: true })
  startsAt: string | null;

  @Column({ name: 'ends_at', type: 'varchar', length: 24, nullable: true })
  endsAt: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 24 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 24 })
  updatedAt: string;
}

/** A campaign as the API, the CLI, runs and decisions see it. Plain JSON. */
export interface CampaignView {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly status: CampaignStatus;
  readonly modelName: string;
  readonly audience: BooleanCondition | null;
  readonly rules: CampaignRule[];
  readonly revision: number;
  readonly holdoutShare: number;
  readonly frequencyCaps: FrequencyCap[];
  readonly arbitration: Arbitration;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function campaignView(entity: CampaignEntity): CampaignView {
  return {
    id: entity.id,
    name: entity.name,
    description: entity.description,
    status: entity.status,
    modelName: entity.modelName,
    audience: entity.audience,
    rules: entity.rules,
    revision: entity.revision,
    holdoutShare: entity.holdoutShare,
    frequencyCaps: entity.frequencyCaps,
    arbitration: entity.arbitration,
    startsAt: entity.startsAt,
    endsAt: entity.endsAt,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
