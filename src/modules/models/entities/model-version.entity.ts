import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { VersionStatus } from '../promotion';

/** One trained version of a model: everything needed to score with it again. */
@Entity({ name: 'model_versions' })
export class ModelVersionEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  /** 1, 2, 3 … within the model. */
  @Column({ name: 'version', type: 'integer' })
  version: number;

  @Column({ name: 'plugin_id', type: 'varchar', length: 40 })
  pluginId: string;

  @Column({ name: 'plugin_version', type: 'varchar', length: 40 })
  pluginVersion: string;

  /** Hyperparameters as used, defaults filled in. */
  @Column({ name: 'params', type: 'simple-json' })
  params: Record<string, unknown>;

  /** The serialised fitted pipeline (`FittedPipeline.toJSON()`). */
  @Column({ name: 'preprocessing', type: 'simple-json' })
  preprocessing: unknown;

  /** The serialised calibrator (`Calibrator.toJSON()`). */
  @Column({ name: 'calibration', type: 'simple-json' })
  calibration: unknown;

  /** Calibrated probability at or above which a customer counts as predicted positive. */
  @Column({ name: 'threshold', type: 'real' })
  threshold: number;

  @Column({ name: 'metrics', type: 'simple-json' })
  metrics: Record<string, unknown>;

  @Column({ name: 'dataset_id', type: 'varchar', length: 64 })
  datasetId: string;

  /** The plugin's `ModelArtifact` as JSON text; large, so only loaded to score. */
  @Column({ name: 'artifact', type: 'text', select: false })
  artifact: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: VersionStatus;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'promoted_at', type: 'datetime', nullable: true })
  promotedAt: Date | null;

  @Column({ name: 'training_job_id', type: 'varchar', length: 36, nullable: true })
  trainingJobId: string | null;

  @Column({ name: 'feature_names', type: 'simple-json' })
  featureNames: string[];
}
