import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ActionType, DeliveryStatus } from '../delivery.types';
import { epochMs } from './epoch-ms.transformer';

/** One message in the outbox; its id is the `webhook-id` of every attempt. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 32 })
  endpointId: string;

  @Column({ name: 'action_type', type: 'varchar', length: 16 })
  actionType: ActionType;

  /** The JSON envelope, exactly the bytes that are signed and sent; loaded on request. */
  @Column({ name: 'payload', type: 'text', select: false })
  payload: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ name: 'attempts', type: 'integer' })
  attempts: number;

  /** Attempts that do not count against the retry schedule (before a replay, on a 410). */
  @Column({ name: 'schedule_offset', type: 'integer' })
  scheduleOffset: number;

  @Column({ name: 'next_attempt_at', type: 'integer', nullable: true, transformer: epochMs })
  nextAttemptAt: Date | null;

  @Column({ name: 'lease_until', type: 'integer', nullable: true, transformer: epochMs })
  leaseUntil: Date | null;

  /** Names the claim that holds the lease, so a late result of an older claim is ignored. */
  @Column({ name: 'lease_token', type: 'varchar', length: 40, nullable: true, select: false })
  leaseToken: string | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'integer', nullable: true, transformer: epochMs })
  deliveredAt: Date | null;

  @Column({ name: 'dead_at', type: 'integer', nullable: true, transformer: epochMs })
  deadAt: Date | null;

  @Column({ name: 'run_id', type: 'varchar', length: 64 })
  runId: string;

  @Column({ name: 'campaign_id', type: 'varchar', length: 64 })
  campaignId: string;

  @Column({ name: 'decision_ids', type: 'simple-json' })
  decisionIds: string[];
}
