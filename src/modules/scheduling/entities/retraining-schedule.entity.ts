import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RetrainingMetric } from '../retraining-decision';
import type { CandidatePlugin, DriftMode } from '../schedule-settings';
import type { SourceShape } from '../training-sources';

/** When and how a model is retrained; one schedule per model. */
@Entity({ name: 'retraining_schedules' })
export class RetrainingScheduleEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64, unique: true })
  modelName: string;

  @Column({ name: 'cron', type: 'varchar', length: 120 })
  cron: string;

  /** IANA name; the cron expression is read in this zone. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone: string;

  /** A `TrainingSource` as JSON, e.g. `{ "kind": "dataset", "datasetId": "…" }`. */
  @Column({ name: 'source', type: 'simple-json' })
  source: SourceShape;

  /** Null: train with the champion's plugin and parameters. */
  @Column({ name: 'plugins', type: 'simple-json', nullable: true })
  plugins: CandidatePlugin[] | null;

  @Column({ name: 'metric', type: 'varchar', length: 16 })
  metric: RetrainingMetric;

  @Column({ name: 'margin', type: 'real' })
  margin: number;

  @Column({ name: 'min_rows', type: 'integer' })
  minRows: number;

  @Column({ name: 'require_both_classes', type: 'boolean' })
  requireBothClasses: boolean;

  @Column({ name: 'max_ece_increase', type: 'real' })
  maxEceIncrease: number;

  @Column({ name: 'drift_mode', type: 'varchar', length: 16 })
  driftMode: DriftMode;

  @Column({ name: 'drift_threshold', type: 'real' })
  driftThreshold: number;

  @Column({ name: 'test_share', type: 'real' })
  testShare: number;

  @Column({ name: 'enabled', type: 'boolean' })
  enabled: boolean;

  /** ISO 8601. */
  @Column({ name: 'created_at', type: 'varchar' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar' })
  updatedAt: string;
}
