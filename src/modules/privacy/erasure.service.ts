import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryResult } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import type { DeliveryStatus } from '../delivery/delivery.types';
import { ErasureEntity, erasureView, ErasureView } from './erasure.entity';
import {
  addCount,
  customerHash,
  ERASED_REASON,
  ERASURE_PLAN,
  idForms,
  pseudonymOf,
  TableCount,
  touchedCounts,
  Treatment,
} from './erasure-plan';
import { scrubMessage } from './outbox-scrub';

export interface EraseArgs {
  readonly customerId: string;
  /** Who asked, for the record: `api` when not given. */
  readonly source?: string;
}

/** What one erasure works with, passed from step to step. */
interface ErasureJob {
  readonly manager: EntityManager;
  readonly customerId: string;
  readonly pseudonym: string;
  readonly erasedAt: string;
  readonly tables: ReadonlySet<string>;
  readonly counts: Record<string, TableCount>;
}

/**
 * Erases a customer (the right to erasure): everything Bullseye holds about them, in one
 * transaction, following `ERASURE_PLAN` table by table, and a record that it happened.
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger(ErasureService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * @throws UserError `customer_id_invalid` for an empty id; NotFoundError
   *   `customer_not_found` when no table holds anything about the customer.
   */
  async erase(args: EraseArgs): Promise<ErasureView> {
    const customerId = checkCustomerId(args.customerId);
    const source = (args.source ?? 'api').trim().slice(0, 100) || 'api';

    const record = await inTransaction(this.dataSource, async (manager) => {
      const job: ErasureJob = {
        manager,
        customerId,
        pseudonym: pseudonymOf(customerId),
        erasedAt: new Date().toISOString(),
        tables: await tableNames(manager),
        counts: {},
      };
      for (const { table, treatments } of ERASURE_PLAN) {
        if (!job.tables.has(table)) {
          continue;
        }
        for (const treatment of treatments) {
          await this.apply(job, table, treatment);
        }
      }
      const counts = touchedCounts(job.counts);
      if (Object.keys(counts).length === 0) {
        throw new NotFoundError('customer', customerId);
      }

      const entity: ErasureEntity = {
        id: randomUUID(),
        customerHash: customerHash(customerId),
        source,
        erasedAt: job.erasedAt,
        counts,
      };
      await manager.getRepository(ErasureEntity).insert(entity);

      return entity;
    });
    const rows = Object.values(record.counts).reduce((n, c) => n + c.deleted + c.changed, 0);
    // The id itself may be personal (an email): the log names the erasure, not the customer.
    this.logger.log(
      { erasureId: record.id },
      `Erasure ${record.id}: ${rows} rows deleted or changed in ` +
        `${Object.keys(record.counts).length} tables`,
    );

    return erasureView(record);
  }

  private async apply(job: ErasureJob, table: string, treatment: Treatment): Promise<void> {
    switch (treatment.kind) {
      case 'delete':
        return this.deleteRows(job, table, treatment.column);
      case 'pseudonymise':
        return this.pseudonymise(job, table, treatment.column, treatment.cleared);
      case 'outbox':
        return this.scrubOutbox(job, table);
      case 'cursor':
        return this.moveCursor(job, table, treatment.column);
      case 'text':
        return this.replaceInText(job, table, treatment.columns);
      case 'record':
      case 'none':
        return;
    }
  }

  private async deleteRows(job: ErasureJob, table: string, column: string): Promise<void> {
    const deleted = await change(job.manager, `DELETE FROM "${table}" WHERE "${column}" = ?`, [
      job.customerId,
    ]);
    addCount(job.counts, table, { deleted });
  }

  /** Decisions stay for the counts of runs and lift, without what quoted the customer. */
  private async pseudonymise(
    job: ErasureJob,
    table: string,
    column: string,
    cleared: readonly string[],
  ): Promise<void> {
    const assignments = cleared.map((name) => `"${name}" = ${name === 'reason' ? '?' : 'NULL'}`);
    const params = cleared.includes('reason') ? [ERASED_REASON] : [];
    const changed = await change(
      job.manager,
      `UPDATE "${table}" SET "${column}" = ?, ${assignments.join(', ')} WHERE "${column}" = ?`,
      [job.pseudonym, ...params, job.customerId],
    );
    addCount(job.counts, table, { changed });
  }

  /** Undelivered messages go; delivered ones keep their place, as tombstones. */
  private async scrubOutbox(job: ErasureJob, table: string): Promise<void> {
    const rows: { id: string; status: DeliveryStatus; payload: string; decision_ids: string }[] =
      await job.manager.query(
        `SELECT "id", "status", "payload", "decision_ids" FROM "${table}" d
         WHERE EXISTS (SELECT 1 FROM json_each(d."decision_ids") j
           WHERE j."value" IN (SELECT "id" FROM "decisions" WHERE "customer_id" = ?))`,
        [job.customerId],
      );
    for (const row of rows) {
      const decisionIds = JSON.parse(row.decision_ids) as string[];
      const scrubbed = scrubMessage(
        { status: row.status, payload: row.payload, decisionIds },
        job.customerId,
        job.erasedAt,
      );
      switch (scrubbed.kind) {
        case 'keep':
          break;
        case 'delete':
          await change(job.manager, 'DELETE FROM "delivery_attempts" WHERE "delivery_id" = ?', [
            row.id,
          ]);
          await change(job.manager, `DELETE FROM "${table}" WHERE "id" = ?`, [row.id]);
          addCount(job.counts, table, { deleted: 1 });
          break;
        case 'trim':
          await change(
            job.manager,
            `UPDATE "${table}" SET "payload" = ?, "decision_ids" = ? WHERE "id" = ?`,
            [scrubbed.payload, JSON.stringify(scrubbed.decisionIds), row.id],
          );
          addCount(job.counts, table, { changed: 1 });
          break;
        case 'tombstone':
          // In flight: the dispatcher's lease is taken away, so the result it is about to
          // write is dropped and the tombstone is never sent.
          await change(
            job.manager,
            scrubbed.stop
              ? `UPDATE "${table}" SET "payload" = ?, "status" = 'dead', "dead_at" = ?,
                   "last_error" = 'erased while in flight', "next_attempt_at" = NULL,
                   "lease_until" = NULL, "lease_token" = NULL WHERE "id" = ?`
              : `UPDATE "${table}" SET "payload" = ? WHERE "id" = ?`,
            scrubbed.stop
              ? [scrubbed.payload, Date.parse(job.erasedAt), row.id]
              : [scrubbed.payload, row.id],
          );
          addCount(job.counts, table, { changed: 1 });
          break;
      }
    }
  }

  /**
   * A run's cursor on the customer moves to the customer before them (in id order), which
   * resumes at the same place now that the customer is gone; null when there is none.
   */
  private async moveCursor(job: ErasureJob, table: string, column: string): Promise<void> {
    const changed = await change(
      job.manager,
      `UPDATE "${table}" SET "${column}" = (SELECT MAX("id") FROM "customers" WHERE "id" < ?)
       WHERE "${column}" = ?`,
      [job.customerId, job.customerId],
    );
    addCount(job.counts, table, { changed });
  }

  private async replaceInText(
    job: ErasureJob,
    table: string,
    columns: readonly string[],
  ): Promise<void> {
    const present = await columnNames(job.manager, table);
    for (const column of columns.filter((name) => present.has(name))) {
      for (const form of idForms(job.customerId)) {
        const changed = await change(
          job.manager,
          `UPDATE "${table}" SET "${column}" = replace("${column}", ?, ?)
           WHERE instr("${column}", ?) > 0`,
          [form, job.pseudonym, form],
        );
        addCount(job.counts, table, { changed });
      }
    }
  }
}

/** Runs an INSERT, UPDATE or DELETE and returns the rows it changed. */
async function change(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
  if (!manager.queryRunner) {
    throw new Error('An erasure runs inside a unit of work.');
  }
  const result = (await manager.queryRunner.query(sql, params, true)) as QueryResult;

  return result.affected ?? 0;
}

async function tableNames(manager: EntityManager): Promise<Set<string>> {
  const rows: { name: string }[] = await manager.query(
    `SELECT "name" FROM "sqlite_master" WHERE "type" = 'table'`,
  );

  return new Set(rows.map((row) => row.name));
}

async function columnNames(manager: EntityManager, table: string): Promise<Set<string>> {
  const rows: { name: string }[] = await manager.query(`SELECT "name" FROM pragma_table_info(?)`, [
    table,
  ]);

  return new Set(rows.map((row) => row.name));
}

/** @throws UserError `customer_id_invalid`. */
export function checkCustomerId(customerId: string): string {
  if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > 500) {
    throw new UserError(
      'customer_id_invalid',
      'A customer id is 1 to 500 characters, as imported.',
      400,
      [{ path: '$.id', message: '1 to 500 characters' }],
    );
  }

  return customerId;
}
