import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A customer's current score from one model, stamped with the version and run behind it. */
@Entity({ name: 'scores' })
export class ScoreEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @PrimaryColumn({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  /** Calibrated P(positive). */
  @Column({ name: 'probability', type: 'real' })
  probability: number;

  /** 1 (top tenth) to 10, by the cut points of the model version. */
  @Column({ name: 'decile', type: 'integer' })
  decile: number;

  /** ISO 8601. */
  @Column({ name: 'scored_at', type: 'varchar' })
  scoredAt: string;

  @Column({ name: 'scoring_run_id', type: 'varchar', length: 36 })
  scoringRunId: string;
}
