import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from './epoch-ms.transformer';

/**
 * A signing secret of an endpoint. The current one has no expiry; after a rotation the
 * previous one gets `expires_at` and keeps signing until then. Never sent by the API.
 */
@Entity({ name: 'endpoint_secrets' })
export class EndpointSecretEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 32 })
  endpointId: string;

  @Column({ name: 'secret', type: 'text' })
  secret: string;

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'integer', nullable: true, transformer: epochMs })
  expiresAt: Date | null;
}
