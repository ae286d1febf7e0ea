import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ActionType } from '../delivery.types';
import { epochMs } from './epoch-ms.transformer';

/** Where actions are sent: one webhook URL and the action types it receives. */
@Entity({ name: 'endpoints' })
export class EndpointEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id: string;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'url', type: 'text' })
  url: string;

  @Column({ name: 'action_types', type: 'simple-json' })
  actionTypes: ActionType[];

  @Column({ name: 'enabled', type: 'boolean' })
  enabled: boolean;

  /** Why the endpoint is disabled (by a user, or after a 410 Gone); `null` when enabled. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  /** Customers per `ad` message; `null` sends one message per ad action. */
  @Column({ name: 'batch_size', type: 'integer', nullable: true })
  batchSize: number | null;

  /** Personal attributes (email, phone …) sent in this endpoint's payloads; none by default. */
  @Column({ name: 'include_personal', type: 'simple-json' })
  includePersonal: string[];

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'integer', transformer: epochMs })
  updatedAt: Date;
}
