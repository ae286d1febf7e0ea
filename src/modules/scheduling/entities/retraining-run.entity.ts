import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { GuardResult, RetrainingMetric } from '../retraining-decision';

export type RetrainingTrigger = 'schedule' | 'manual';

export type RetrainingStatus = 'running' | 'promoted' | 'kept' | 'failed' | 'skipped';

/** How one candidate plugin fared in a run. */
export interface CandidateOutcome {
  readonly pluginId: string;
  readonly params: Record<string, unknown>;
  /** The run's metric and the calibration error on the held-out rows; null when it failed. */
  readonly value: number | null;
  readonly ece: number | null;
  readonly seconds: number | null;
  readonly error: { code: string; message: string } | null;
}

/** One retraining of a model: what was compared, what was decided and why. */
@Entity({ name: 'retraining_runs' })
export class RetrainingRunEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'schedule_id', type: 'varchar', length: 36 })
  scheduleId: string;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'trigger', type: 'varchar', length: 16 })
  trigger: RetrainingTrigger;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: RetrainingStatus;

  /** The cron occurrence a scheduled run stands for (ISO 8601); null for manual runs. */
  @Column({ name: 'scheduled_for', type: 'varchar', nullable: true })
  scheduledFor: string | null;

  /** Who held the schedule's lock: process and run. */
  @Column({ name: 'holder', type: 'varchar', length: 200 })
  holder: string;

  @Column({ name: 'actor', type: 'varchar', length: 128 })
  actor: string;

  @Column({ name: 'started_at', type: 'varchar' })
  startedAt: string;

  @Column({ name: 'finished_at', type: 'varchar', nullable: true })
  finishedAt: string | null;

  @Column({ name: 'metric', type: 'varchar', length: 16 })
  metric: RetrainingMetric;

  /** Seed of the run's train/test split and training. */
  @Column({ name: 'seed', type: 'integer' })
  seed: number;

  @Column({ name: 'dataset_id', type: 'varchar', length: 64, nullable: true })
  datasetId: string | null;

  /** Labelled rows the source gave. */
  @Column({ name: 'rows', type: 'integer', nullable: true })
  rows: number | null;

  /** Held-out rows champion and challenger were both measured on. */
  @Column({ name: 'test_rows', type: 'integer', nullable: true })
  testRows: number | null;

  @Column({ name: 'champion_version', type: 'integer', nullable: true })
  championVersion: number | null;

  @Column({ name: 'champion_value', type: 'real', nullable: true })
  championValue: number | null;

  @Column({ name: 'champion_ece', type: 'real', nullable: true })
  championEce: number | null;

  /** The version the challenger was registered as (a candidate unless promoted). */
  @Column({ name: 'challenger_version', type: 'integer', nullable: true })
  challengerVersion: number | null;

  @Column({ name: 'challenger_plugin_id', type: 'varchar', length: 40, nullable: true })
  challengerPluginId: string | null;

  @Column({ name: 'challenger_value', type: 'real', nullable: true })
  challengerValue: number | null;

  @Column({ name: 'challenger_ece', type: 'real', nullable: true })
  challengerEce: number | null;

  /** The drift figure the run saw (largest PSI of the champion's latest report). */
  @Column({ name: 'drift', type: 'real', nullable: true })
  drift: number | null;

  @Column({ name: 'candidates', type: 'simple-json' })
  candidates: CandidateOutcome[];

  @Column({ name: 'guards', type: 'simple-json' })
  guards: GuardResult[];

  @Column({ name: 'decision', type: 'varchar', length: 16, nullable: true })
  decision: 'promote' | 'keep' | 'skip' | null;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'error', type: 'simple-json', nullable: true })
  error: { code: string; message: string; errorId?: string } | null;
}
