import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The PSI of one feature in a drift report. */
export interface FeatureDrift {
  readonly name: string;
  readonly type: 'numeric' | 'date' | 'boolean' | 'categorical';
  readonly psi: number;
}

/** How far the customers of one scoring run have moved from the model version's training rows. */
@Entity({ name: 'drift_reports' })
export class DriftReportEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  @Column({ name: 'scoring_run_id', type: 'varchar', length: 36 })
  scoringRunId: string;

  /** Customers scored by the run. */
  @Column({ name: 'rows', type: 'integer' })
  rows: number;

  @Column({ name: 'score_psi', type: 'real' })
  scorePsi: number;

  @Column({ name: 'max_feature_psi', type: 'real' })
  maxFeaturePsi: number;

  @Column({ name: 'max_feature', type: 'varchar', nullable: true })
  maxFeature: string | null;

  /** Largest of the score's and every feature's PSI: what `on_drift` schedules compare. */
  @Column({ name: 'drift', type: 'real' })
  drift: number;

  @Column({ name: 'features', type: 'simple-json' })
  features: FeatureDrift[];

  @Column({ name: 'created_at', type: 'varchar' })
  createdAt: string;
}
