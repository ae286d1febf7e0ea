import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PromotionAction } from '../promotion';

/** One change of a model's champion, kept as history (and the way back for a rollback). */
@Entity({ name: 'model_promotions' })
export class ModelPromotionEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'action', type: 'varchar', length: 16 })
  action: PromotionAction;

  /** The champion before; `null` when the model had none. */
  @Column({ name: 'from_version', type: 'integer', nullable: true })
  fromVersion: number | null;

  @Column({ name: 'to_version', type: 'integer' })
  toVersion: number;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  /** Who asked for it: a user name, `api`, `cli`, or `training` for `promote: best`. */
  @Column({ name: 'actor', type: 'varchar', length: 128, nullable: true })
  actor: string | null;

  @Column({ name: 'at', type: 'datetime' })
  at: Date;
}
