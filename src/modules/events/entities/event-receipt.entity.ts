import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';

/** A signed request taken, by its `webhook-id`: the same id again is a replay. */
@Entity({ name: 'event_receipts' })
export class EventReceiptEntity {
  @PrimaryColumn({ name: 'integration_id', type: 'varchar', length: 32 })
  integrationId: string;

  @PrimaryColumn({ name: 'webhook_id', type: 'varchar', length: 128 })
  webhookId: string;

  @Column({ name: 'received_at', type: 'integer', transformer: epochMs })
  receivedAt: Date;

  /** Events the request carried. */
  @Column({ name: 'events', type: 'integer' })
  events: number;
}
