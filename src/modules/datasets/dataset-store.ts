import { EntityManager } from 'typeorm';
import { UserError } from '../../common/errors';
import { DatasetEntity } from './dataset.entity';
import { DatasetSchema, DatasetView } from './dataset-schema';
import { ConvertedRow } from './row-conversion';

/**
 * Writes rows of an import with two multi-row INSERTs: the dataset's snapshot, and the
 * customers, upserted by id. Runs inside the import's transaction.
 */
export async function writeBatch(
  manager: EntityManager,
  datasetId: string,
  now: string,
  batch: readonly ConvertedRow[],
  rowNumbers: readonly number[],
): Promise<void> {
  if (batch.length === 0) {
    return;
  }
  const attributes = batch.map((row) => JSON.stringify(row.attributes));
  const placeholders = batch.map(() => '(?, ?, ?, ?, ?)').join(', ');

  await manager.query(
    `INSERT INTO dataset_records (dataset_id, row_number, customer_id, label, attributes)
     VALUES ${placeholders}`,
    batch.flatMap((row, i) => [datasetId, rowNumbers[i], row.customerId, row.label, attributes[i]]),
  );
  await manager.query(
    `INSERT INTO customers (id, attributes, dataset_id, created_at, updated_at)
     VALUES ${placeholders}
     ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes,
       dataset_id = excluded.dataset_id, updated_at = excluded.updated_at`,
    batch.flatMap((row, i) => [row.customerId, attributes[i], datasetId, now, now]),
  );
}

/** Two rows of one import for the same customer would silently overwrite each other. */
export async function checkUniqueCustomers(
  manager: EntityManager,
  datasetId: string,
  schema: DatasetSchema,
): Promise<void> {
  if (schema.idColumn === undefined) {
    return;
  }
  const repeats: { customer_id: string; rows: string; n: number }[] = await manager.query(
    `SELECT customer_id, group_concat(row_number) AS rows, count(*) AS n FROM dataset_records
     WHERE dataset_id = ? GROUP BY customer_id HAVING count(*) > 1 ORDER BY min(row_number) LIMIT 20`,
    [datasetId],
  );
  if (repeats.length === 0) {
    return;
  }

  throw new UserError(
    'dataset_duplicate_ids',
    `Customer ids repeat in id column "${schema.idColumn}", e.g. ${JSON.stringify(repeats[0].customer_id)} ` +
      `in data rows ${repeats[0].rows}; each customer may appear once per file.`,
    422,
    repeats.map((r) => ({
      field: schema.idColumn,
      message: `id ${JSON.stringify(r.customer_id)} in data rows ${r.rows}`,
    })),
  );
}

export function toView(entity: DatasetEntity): DatasetView {
  return {
    id: entity.id,
    name: entity.name,
    fileName: entity.fileName,
    format: entity.format,
    delimiter: entity.delimiter,
    rowCount: entity.rowCount,
    badRowCount: entity.badRowCount,
    schema: entity.schema,
    profile: entity.profile,
    badRows: entity.badRows,
    createdAt: entity.createdAt,
  };
}
