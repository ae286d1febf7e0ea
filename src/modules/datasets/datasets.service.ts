import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { inTransaction } from '../../database/unit-of-work';
import { DatasetEntity } from './dataset.entity';
import { ProfileBuilder } from './dataset-profile';
import { detectFormat, openCsv, openJsonLines, readHead, RecordReader } from './dataset-reader';
import {
  BadRow,
  ColumnType,
  CustomerAttributes,
  DatasetSchema,
  DatasetView,
} from './dataset-schema';
import { checkUniqueCustomers, toView, writeBatch } from './dataset-store';
import { detectDelimiter, firstLine, stripBom } from './delimiter';
import { checkHeader, checkText } from './header-checks';
import { ConvertedRow, convertRecord, describeBadRow } from './row-conversion';
import { choosePositiveLabel, resolveSchema, targetClasses } from './schema-resolution';
import { ColumnScan } from './type-inference';

export interface ImportProgress {
  stage: 'scanning' | 'importing';
  rows: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportFileArgs {
  /** Path of the CSV or JSON-lines file. */
  file: string;
  /** Dataset name; also the prefix of derived customer ids. Default: the file's base name. */
  name?: string;
  /** The file name to record (an upload's own name). Default: the base name of `file`. */
  fileName?: string;
  format?: 'csv' | 'jsonl';
  delimiter?: string;
  target?: string;
  positiveLabel?: string;
  idColumn?: string;
  exclude?: string[];
  types?: Record<string, ColumnType>;
  /** The personal columns, all of them (empty: none); default: those named like personal data. */
  personal?: string[];
  maxBadRowShare?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface TrainingSet {
  dataset: DatasetView;
  schema: DatasetSchema;
  /** Attributes of each labelled row, in row order. */
  records: CustomerAttributes[];
  /** 1 for the positive label, 0 otherwise, aligned with `records`. */
  labels: Uint8Array;
  customerIds: string[];
}

/** Rows per multi-row INSERT: 5 parameters a row stays far below SQLite's 32,766. */
const INSERT_BATCH = 500;
/** Bad rows kept with a dataset, and listed in the error of a failed import. */
const KEPT_BAD_ROWS = 100;
const REPORTED_BAD_ROWS = 20;
const PROGRESS_EVERY = 5000;
const TRAINING_PAGE = 10_000;

/**
 * Imports customer files into datasets, in two passes: the first infers the schema, the
 * second parses every row with it, profiles the rows and stores dataset, snapshot and
 * customers in one transaction, so that a failed import leaves nothing behind.
 */
@Injectable()
export class DatasetsService {
  private readonly logger = new Logger(DatasetsService.name);
  // SQLite has one writer: imports wait for each other instead of failing on a busy database.
  private importChain: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  importFile(args: ImportFileArgs): Promise<DatasetView> {
    const result = this.importChain.then(() => this.runImport(args));
    this.importChain = result.catch(() => undefined);

    return result;
  }

  async get(id: string): Promise<DatasetView> {
    const entity = await this.dataSource.getRepository(DatasetEntity).findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('dataset', id);
    }

    return toView(entity);
  }

  async list(): Promise<DatasetView[]> {
    const entities = await this.dataSource
      .getRepository(DatasetEntity)
      .find({ order: { createdAt: 'DESC', id: 'ASC' } });

    return entities.map(toView);
  }

  /** The labelled rows of a dataset as imported; rows without a target value are left out. */
  async loadTrainingSet(id: string): Promise<TrainingSet> {
    const dataset = await this.get(id);
    if (dataset.schema.target === undefined) {
      throw new UserError(
        'dataset_no_target',
        `Dataset "${dataset.name}" (${id}) has no target column; import the file again naming one (target).`,
        422,
      );
    }

    const records: CustomerAttributes[] = [];
    const labels: number[] = [];
    const customerIds: string[] = [];
    for (let after = 0; ;) {
      const page: { row_number: number; customer_id: string; label: number; attributes: string }[] =
        await this.dataSource.query(
          `SELECT row_number, customer_id, label, attributes FROM dataset_records
           WHERE dataset_id = ? AND row_number > ? AND label IS NOT NULL
           ORDER BY row_number LIMIT ?`,
          [id, after, TRAINING_PAGE],
        );
      for (const row of page) {
        records.push(JSON.parse(row.attributes) as CustomerAttributes);
        labels.push(row.label);
        customerIds.push(row.customer_id);
      }
      if (page.length < TRAINING_PAGE) {
        break;
      }
      after = page[page.length - 1].row_number;
    }

    return {
      dataset,
      schema: dataset.schema,
      records,
      labels: Uint8Array.from(labels),
      customerIds,
    };
  }

  /** Every customer in id order, `batchSize` at a time, resuming after `afterId`. */
  async *iterateCustomers(args: {
    batchSize: number;
    afterId?: string;
  }): AsyncGenerator<{ id: string; attributes: CustomerAttributes }[]> {
    const batchSize = Math.max(1, Math.floor(args.batchSize));
    let after = args.afterId;
    for (;;) {
      const rows: { id: string; attributes: string }[] = await this.dataSource.query(
        after === undefined
          ? 'SELECT id, attributes FROM customers ORDER BY id LIMIT ?'
          : 'SELECT id, attributes FROM customers WHERE id > ? ORDER BY id LIMIT ?',
        after === undefined ? [batchSize] : [after, batchSize],
      );
      if (rows.length === 0) {
        return;
      }
      yield rows.map((row) => ({
        id: row.id,
        attributes: JSON.parse(row.attributes) as CustomerAttributes,
      }));
      if (rows.length < batchSize) {
        return;
      }
      after = rows[rows.length - 1].id;
    }
  }

  private async runImport(args: ImportFileArgs): Promise<DatasetView> {
    const started = Date.now();
    const maxBadRowShare = args.maxBadRowShare ?? this.config.maxBadRowShare;
    checkArgs(args, maxBadRowShare);
    const fileName = args.fileName ?? path.basename(args.file);
    const name = args.name?.trim() || path.basename(fileName, path.extname(fileName));

    const totalBytes = await fileSize(args.file);
    const head = await readHead(args.file);
    if (stripBom(head).trim() === '') {
      throw new UserError('dataset_empty', `The file "${fileName}" is empty.`, 422);
    }
    checkText(fileName, head);
    const format = args.format ?? detectFormat(fileName, head);
    const delimiter =
      format === 'csv' ? (args.delimiter ?? detectDelimiter(firstLine(stripBom(head)))) : null;
    const open = (columns?: readonly string[]): RecordReader =>
      format === 'csv'
        ? openCsv(args.file, delimiter as string)
        : openJsonLines(args.file, columns);
    const report = (stage: ImportProgress['stage'], rows: number, reader: RecordReader): void =>
      args.onProgress?.({ stage, rows, bytes: reader.bytesRead(), totalBytes });

    const scan = await this.scan(open(), (rows, reader) => report('scanning', rows, reader));
    checkHeader({ format, fileName, columns: scan.columns, rows: scan.rows, stats: scan.stats });
    const schema = this.schemaOf(scan.stats, args);

    const dataset = await inTransaction(this.dataSource, (manager) =>
      this.store(manager, {
        reader: open(scan.columns),
        schema,
        id: randomUUID(),
        name,
        fileName,
        format,
        delimiter,
        allowedBadRows: Math.floor(maxBadRowShare * scan.rows),
        totalRows: scan.rows,
        maxBadRowShare,
        onRows: (rows, reader) => report('importing', rows, reader),
      }),
    );

    this.logger.log(
      `Imported dataset ${dataset.id} (${dataset.name}): ${dataset.rowCount} rows, ` +
        `${dataset.badRowCount} bad rows, ${schema.columns.length} columns in ${Date.now() - started} ms`,
    );

    return dataset;
  }

  /** Pass 1: column names, row count and per-column statistics for type inference. */
  private async scan(
    reader: RecordReader,
    onRows: (rows: number, reader: RecordReader) => void,
  ): Promise<{ columns: string[]; rows: number; stats: ColumnScan[] }> {
    const stats: ColumnScan[] = [];
    let rows = 0;
    let goodRows = 0;
    for await (const record of reader.records()) {
      rows++;
      while (stats.length < reader.columns.length) {
        stats.push(new ColumnScan(reader.columns[stats.length], goodRows));
      }
      if (!record.problem) {
        goodRows++;
        stats.forEach((column, i) => column.add(record.cells[i] ?? null));
      }
      if (rows % PROGRESS_EVERY === 0) {
        onRows(rows, reader);
      }
    }
    while (stats.length < reader.columns.length) {
      stats.push(new ColumnScan(reader.columns[stats.length], goodRows));
    }
    onRows(rows, reader);

    return { columns: [...reader.columns], rows, stats };
  }

  private schemaOf(stats: ColumnScan[], args: ImportFileArgs): DatasetSchema {
    const base = resolveSchema(stats, args);
    if (base.target === undefined) {
      return base;
    }
    const index = base.columns.findIndex((c) => c.name === base.target);
    const type = base.columns[index].type;
    const positiveLabel = choosePositiveLabel({
      target: base.target,
      type,
      classes: targetClasses(stats[index], type),
      given: args.positiveLabel,
    });

    return { ...base, positiveLabel };
  }

  /** Pass 2, inside the import's transaction: parse, profile and write every row. */
  private async store(
    manager: EntityManager,
    job: {
      reader: RecordReader;
      schema: DatasetSchema;
      id: string;
      name: string;
      fileName: string;
      format: 'csv' | 'jsonl';
      delimiter: string | null;
      totalRows: number;
      allowedBadRows: number;
      maxBadRowShare: number;
      onRows: (rows: number, reader: RecordReader) => void;
    },
  ): Promise<DatasetView> {
    const { schema, id } = job;
    const now = new Date().toISOString();
    await manager.query(
      `INSERT INTO datasets (id, name, file_name, format, delimiter, row_count, bad_row_count,
         schema, profile, bad_rows, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, '{}', '[]', ?)`,
      [id, job.name, job.fileName, job.format, job.delimiter, JSON.stringify(schema), now],
    );

    const profile = new ProfileBuilder(schema);
    const badRows: BadRow[] = [];
    let badRowCount = 0;
    let rows = 0;
    let batch: ConvertedRow[] = [];
    const rowNumbers: number[] = [];
    for await (const record of job.reader.records()) {
      rows++;
      const result = convertRecord(record, schema, job.name);
      if (!result.ok) {
        badRowCount++;
        if (badRows.length < KEPT_BAD_ROWS) {
          badRows.push(result.bad);
        }
        if (badRowCount > job.allowedBadRows) {
          throw tooManyBadRows(badRows, job.totalRows, job.maxBadRowShare);
        }
        continue;
      }
      profile.add(result.values, result.targetClass);
      batch.push(result);
      rowNumbers.push(record.row);
      if (batch.length === INSERT_BATCH) {
        await writeBatch(manager, id, now, batch, rowNumbers);
        batch = [];
        rowNumbers.length = 0;
      }
      if (rows % PROGRESS_EVERY === 0) {
        job.onRows(rows, job.reader);
      }
    }
    await writeBatch(manager, id, now, batch, rowNumbers);
    job.onRows(rows, job.reader);

    if (schema.target !== undefined && schema.positiveLabel !== undefined) {
      // Bad rows may have taken a class away since the first pass checked the target.
      choosePositiveLabel({
        target: schema.target,
        type: schema.columns.find((c) => c.name === schema.target)?.type ?? 'categorical',
        classes: profile.targetClasses(),
        given: schema.positiveLabel,
      });
    }
    await checkUniqueCustomers(manager, id, schema);

    const built = profile.build(badRowCount);
    await manager.query(
      `UPDATE datasets SET row_count = ?, bad_row_count = ?, profile = ?, bad_rows = ? WHERE id = ?`,
      [built.rows, badRowCount, JSON.stringify(built), JSON.stringify(badRows), id],
    );

    return {
      id,
      name: job.name,
      fileName: job.fileName,
      format: job.format,
      delimiter: job.delimiter,
      rowCount: built.rows,
      badRowCount,
      schema,
      profile: built,
      badRows,
      createdAt: now,
    };
  }
}

function tooManyBadRows(badRows: readonly BadRow[], totalRows: number, share: number): UserError {
  const first = badRows.slice(0, REPORTED_BAD_ROWS);

  return new UserError(
    'dataset_too_many_bad_rows',
    `More than ${(share * 100).toFixed(1)}% of the ${totalRows} rows are bad (maxBadRowShare ` +
      `${share}); fix them and import again. First: ${first.slice(0, 3).map(describeBadRow).join('; ')}.`,
    422,
    first.map((bad) => ({ ...bad })),
  );
}

function checkArgs(args: ImportFileArgs, maxBadRowShare: number): void {
  if (!(maxBadRowShare >= 0 && maxBadRowShare <= 1)) {
    throw new UserError(
      'dataset_option_invalid',
      `maxBadRowShare must be a share between 0 and 1, not ${maxBadRowShare}.`,
      400,
      [{ path: '$.maxBadRowShare', message: 'expected 0 to 1' }],
    );
  }
  if (args.delimiter !== undefined && args.delimiter.length !== 1) {
    throw new UserError(
      'dataset_option_invalid',
      `The delimiter must be one character (",", ";" or a tab), not ${JSON.stringify(args.delimiter)}.`,
      400,
      [{ path: '$.delimiter', message: 'expected one character' }],
    );
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    throw new UserError('dataset_file_not_found', `No file at "${file}".`, 400, [
      { path: '$.file', message: 'not found' },
    ]);
  }
}
