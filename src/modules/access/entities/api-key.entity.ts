import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';
import type { Role } from '../roles';

/** An API key: its role and the SHA-256 of the key; the key itself is never stored. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id: string;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  /** The first characters of the key, to tell keys apart in lists. */
  @Column({ name: 'prefix', type: 'varchar', length: 16 })
  prefix: string;

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  /** Updated at most once a minute per key, so a busy key does not write on every request. */
  @Column({ name: 'last_used_at', type: 'integer', nullable: true, transformer: epochMs })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'integer', nullable: true, transformer: epochMs })
  revokedAt: Date | null;
}
