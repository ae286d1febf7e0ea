import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from './epoch-ms.transformer';

/** One try at sending a delivery, successful or not. */
@Entity({ name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'delivery_id', type: 'varchar', length: 40 })
  deliveryId: string;

  /** 1 for the first attempt; counts on across replays. */
  @Column({ name: 'attempt', type: 'integer' })
  attempt: number;

  @Column({ name: 'started_at', type: 'integer', transformer: epochMs })
  startedAt: Date;

  /** `null` when no response came (timeout, connection refused …). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ name: 'error', type: 'text', nullable: true })
  error: string | null;
}
