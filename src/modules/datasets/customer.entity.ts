import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CustomerAttributes } from './dataset-schema';

/** A customer as the latest import that named them describes them. */
@Entity('customers')
export class CustomerEntity {
  /** The external customer id (or `<dataset name>:<row>` for files without one). */
  @PrimaryColumn({ name: 'id', type: 'varchar' })
  id: string;

  @Column({ name: 'attributes', type: 'simple-json' })
  attributes: CustomerAttributes;

  /** The dataset of the last import that wrote this customer. */
  @Column({ name: 'dataset_id', type: 'varchar', length: 36, nullable: true })
  datasetId: string | null;

  @Column({ name: 'created_at', type: 'varchar' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar' })
  updatedAt: string;
}
