import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named predictor; its trained versions live in `model_versions`. */
@Entity({ name: 'models' })
export class ModelEntity {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;
}
