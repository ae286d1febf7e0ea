import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BinReference } from '../psi';
import type { FeatureDrift } from './drift-report.entity';

/** The bins of one feature on a version's training rows. */
export interface FeatureReference {
  readonly name: string;
  readonly type: FeatureDrift['type'];
  readonly bins: BinReference;
}

/** A model version's training rows, binned once, for every later drift report to compare with. */
@Entity({ name: 'drift_references' })
export class DriftReferenceEntity {
  @PrimaryColumn({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  /** Training rows binned. */
  @Column({ name: 'rows', type: 'integer' })
  rows: number;

  @Column({ name: 'features', type: 'simple-json' })
  features: FeatureReference[];

  /** The version's calibrated scores on its training rows. */
  @Column({ name: 'scores', type: 'simple-json' })
  scores: BinReference;

  @Column({ name: 'created_at', type: 'varchar' })
  createdAt: string;
}
