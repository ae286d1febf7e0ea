import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';
import type { Role } from '../roles';

/** One mutating request: who (key and role), what (method and route, ids), and the answer. */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'at', type: 'integer', transformer: epochMs })
  at: Date;

  /** `null` when the API ran without keys (`BULLSEYE_AUTH=off`). */
  @Column({ name: 'key_id', type: 'varchar', length: 32, nullable: true })
  keyId: string | null;

  @Column({ name: 'role', type: 'varchar', length: 16, nullable: true })
  role: Role | null;

  /** Method and route pattern, e.g. `POST /campaigns/:id/activate`. */
  @Column({ name: 'action', type: 'varchar', length: 300 })
  action: string;

  /** The ids the request named (route parameters) or created (the `id` of the answer). */
  @Column({ name: 'target', type: 'simple-json' })
  target: Record<string, string>;

  @Column({ name: 'status', type: 'integer' })
  status: number;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;
}
