import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';

/** A system that reports outcomes (an email service, a shop); it signs what it sends. */
@Entity({ name: 'integrations' })
export class IntegrationEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id: string;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'created_at', type: 'integer', transformer: epochMs })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'integer', transformer: epochMs })
  updatedAt: Date;
}
