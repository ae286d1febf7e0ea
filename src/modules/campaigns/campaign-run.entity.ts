import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DecisionCounts } from './decision-core';
import type { CampaignPolicySource } from './decision-core';

/**
 * `running`: being applied (or its process died; see `interrupted`); `interrupted`: found
 * running at start-up, to resume with the same run key; `failed`: stopped by an error,
 * resumable the same way; `succeeded`: every customer decided.
 */
export type CampaignRunStatus = 'running' | 'interrupted' | 'succeeded' | 'failed';

/** The campaign as a run applies it, kept from its start so a resumed run decides alike. */
export type RunCampaign = Omit<CampaignPolicySource, 'id'>;

/**
 * One application of a campaign to every customer, in customer id order, one transaction per
 * batch. The cursor (`last_customer_id`) moves with each committed batch, so a run resumes
 * after the last customer it decided.
 */
@Entity({ name: 'campaign_runs' })
export class CampaignRunEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId: string;

  /** Unique per campaign: asking again with the same key returns (or resumes) this run. */
  @Column({ name: 'run_key', type: 'varchar', length: 128 })
  runKey: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: CampaignRunStatus;

  @Column({ name: 'campaign_revision', type: 'integer' })
  campaignRevision: number;

  @Column({ name: 'campaign', type: 'simple-json' })
  campaign: RunCampaign;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  /** The champion at the start; a resumed run scores with it too. */
  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  @Column({ name: 'batch_size', type: 'integer' })
  batchSize: number;

  /** Customers in the database when the run started. */
  @Column({ name: 'customers_total', type: 'integer' })
  customersTotal: number;

  /** The cursor: the last customer of the last committed batch; null before the first. */
  @Column({ name: 'last_customer_id', type: 'varchar', nullable: true })
  lastCustomerId: string | null;

  @Column({ name: 'batches', type: 'integer' })
  batches: number;

  @Column({ name: 'counts', type: 'simple-json' })
  counts: DecisionCounts;

  /** Outbox messages written. */
  @Column({ name: 'deliveries', type: 'integer' })
  deliveries: number;

  /** Times the run was picked up again after an interruption or a failure. */
  @Column({ name: 'resumes', type: 'integer' })
  resumes: number;

  /** Time spent deciding, summed over every resumption, in milliseconds. */
  @Column({ name: 'active_ms', type: 'integer' })
  activeMs: number;

  @Column({ name: 'error', type: 'simple-json', nullable: true })
  error: { code: string; message: string } | null;

  /** ISO 8601. */
  @Column({ name: 'started_at', type: 'varchar', length: 24 })
  startedAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 24 })
  updatedAt: string;

  @Column({ name: 'finished_at', type: 'varchar', length: 24, nullable: true })
  finishedAt: string | null;
}

/** A run as the API and the CLI show it. */
export interface RunView {
  readonly id: string;
  readonly campaignId: string;
  readonly runKey: string;
  readonly status: CampaignRunStatus;
  readonly campaignRevision: number;
  readonly model: { readonly name: string; readonly version: number; readonly versionId: string };
  readonly batchSize: number;
  readonly customersTotal: number;
  readonly lastCustomerId: string | null;
  readonly batches: number;
  readonly counts: DecisionCounts;
  readonly deliveries: number;
  readonly resumes: number;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly timings: {
    readonly startedAt: string;
    readonly updatedAt: string;
    readonly finishedAt: string | null;
    /** Time spent deciding, over every resumption. */
    readonly activeSeconds: number;
    readonly customersPerSecond: number | null;
  };
}

export function runView(entity: CampaignRunEntity): RunView {
  const seconds = entity.activeMs / 1000;

  return {
    id: entity.id,
    campaignId: entity.campaignId,
    runKey: entity.runKey,
    status: entity.status,
    campaignRevision: entity.campaignRevision,
    model: {
      name: entity.modelName,
      version: entity.modelVersion,
      versionId: entity.modelVersionId,
    },
    batchSize: entity.batchSize,
    customersTotal: entity.customersTotal,
    lastCustomerId: entity.lastCustomerId,
    batches: entity.batches,
    counts: entity.counts,
    deliveries: entity.deliveries,
    resumes: entity.resumes,
    error: entity.error,
    timings: {
      startedAt: entity.startedAt,
      updatedAt: entity.updatedAt,
      finishedAt: entity.finishedAt,
      activeSeconds: Math.round(seconds * 1000) / 1000,
      customersPerSecond: seconds > 0 ? Math.round(entity.counts.customers / seconds) : null,
    },
  };
}
