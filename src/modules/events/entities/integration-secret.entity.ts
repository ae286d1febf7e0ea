import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';

/**
 * A signing secret of an integration, sealed (AES-256-GCM, see `secret-box.ts`): the HMAC
 * check needs the secret itself, so it cannot be hashed. Never sent by the API after creation.
 */
@Entity({ name: 'integration_secrets' })
export class IntegrationSecretEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'integration_id', type: 'varchar', length: 32 })
  integrationId: string;

  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret: string;

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  /** Null for the current secret; set when a rotation replaced it. */
  @Column({ name: 'expires_at', type: 'integer', nullable: true, transformer: epochMs })
  expiresAt: Date | null;
}
