import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TrainingJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One request to train a model with one or more plugins, run in the background. */
@Entity({ name: 'training_jobs' })
export class TrainingJobEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'dataset_id', type: 'varchar', length: 64 })
  datasetId: string;

  /** The validated request, hyperparameter defaults filled in. */
  @Column({ name: 'request', type: 'simple-json' })
  request: Record<string, unknown>;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: TrainingJobStatus;

  /** 0 to 1. */
  @Column({ name: 'progress', type: 'real', default: 0 })
  progress: number;

  @Column({ name: 'message', type: 'text', nullable: true })
  message: string | null;

  @Column({ name: 'result', type: 'simple-json', nullable: true })
  result: Record<string, unknown> | null;

  @Column({ name: 'error', type: 'simple-json', nullable: true })
  error: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'datetime', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', nullable: true })
  finishedAt: Date | null;
}
