import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BadRow, DatasetProfile, DatasetSchema } from './dataset-schema';

/** One import of a file: its schema, profile and the first bad rows. */
@Entity('datasets')
export class DatasetEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'name', type: 'varchar' })
  name: string;

  @Column({ name: 'file_name', type: 'varchar' })
  fileName: string;

  @Column({ name: 'format', type: 'varchar' })
  format: 'csv' | 'jsonl';

  @Column({ name: 'delimiter', type: 'varchar', nullable: true })
  delimiter: string | null;

  @Column({ name: 'row_count', type: 'integer' })
  rowCount: number;

  @Column({ name: 'bad_row_count', type: 'integer' })
  badRowCount: number;

  @Column({ name: 'schema', type: 'simple-json' })
  schema: DatasetSchema;

  @Column({ name: 'profile', type: 'simple-json' })
  profile: DatasetProfile;

  @Column({ name: 'bad_rows', type: 'simple-json' })
  badRows: BadRow[];

  /** ISO 8601 time of the import. */
  @Column({ name: 'created_at', type: 'varchar' })
  createdAt: string;
}
