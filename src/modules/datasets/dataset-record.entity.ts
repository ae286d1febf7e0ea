import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CustomerAttributes } from './dataset-schema';

/**
 * A row of a dataset as it was imported, so that training on the dataset gives the same
 * result after customers have changed.
 */
@Entity('dataset_records')
export class DatasetRecordEntity {
  @PrimaryColumn({ name: 'dataset_id', type: 'varchar', length: 36 })
  datasetId: string;

  /** Position of the row among the file's data rows, from 1. */
  @PrimaryColumn({ name: 'row_number', type: 'integer' })
  rowNumber: number;

  @Column({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  /** 1 for the positive label, 0 otherwise, null without a target value. */
  @Column({ name: 'label', type: 'integer', nullable: true })
  label: 0 | 1 | null;

  @Column({ name: 'attributes', type: 'simple-json' })
  attributes: CustomerAttributes;
}
