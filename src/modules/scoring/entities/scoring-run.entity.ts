import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BooleanCondition } from '../../campaigns/rules/rule-types';
import type { ScoreDistribution } from '../score-distribution';

export type ScoringRunStatus = 'running' | 'succeeded' | 'failed';

/** One batch scoring of the customers (all, or an audience) with one model version. */
@Entity({ name: 'scoring_runs' })
export class ScoringRunEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  /** The audience filter (json-rules-engine conditions); null for every customer. */
  @Column({ name: 'audience', type: 'simple-json', nullable: true })
  audience: BooleanCondition | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: ScoringRunStatus;

  @Column({ name: 'batch_size', type: 'integer' })
  batchSize: number;

  /** Customers read, inside the audience or not. */
  @Column({ name: 'customers_read', type: 'integer' })
  customersRead: number;

  @Column({ name: 'customers_scored', type: 'integer' })
  customersScored: number;

  /** The distribution of the scores, once the run has finished. */
  @Column({ name: 'summary', type: 'simple-json', nullable: true })
  summary: ScoreDistribution | null;

  /** `{ code, message }` of a failed run. */
  @Column({ name: 'error', type: 'simple-json', nullable: true })
  error: { code: string; message: string } | null;

  /** ISO 8601. */
  @Column({ name: 'started_at', type: 'varchar' })
  startedAt: string;

  @Column({ name: 'finished_at', type: 'varchar', nullable: true })
  finishedAt: string | null;
}
