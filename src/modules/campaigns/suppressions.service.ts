import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import {
  Suppression,
  SUPPRESSION_REASONS,
  SuppressionEntity,
  SuppressionReason,
  suppressionView,
} from './suppression.entity';

export interface SuppressArgs {
  readonly reason: SuppressionReason;
  /** Who asks; `api` when not given. */
  readonly source?: string;
}

/**
 * Customers no campaign may contact: do-not-contact requests, unsubscribes and bounces.
 * Runs and real-time decisions look them up before any rule is read.
 */
@Injectable()
export class SuppressionsService {
  private readonly logger = new Logger(SuppressionsService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Suppresses a customer, or changes the reason of an existing suppression (which keeps
   * its original time). The customer need not be imported yet.
   *
   * @throws UserError `suppression_invalid` for an unknown reason or an empty source.
   */
  async suppress(customerId: string, args: SuppressArgs): Promise<Suppression> {
    const source = checkArgs(args);

    const saved = await inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(SuppressionEntity);
      const existing = await repository.findOneBy({ customerId });
      const entity: SuppressionEntity = {
        customerId,
        reason: args.reason,
        source,
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      };
      await repository.save(entity);

      return entity;
    });
    // Without the customer's id, which may be an email: the audit log names who and whom.
    this.logger.log(`A customer suppressed (${args.reason}, from ${source})`);

    return suppressionView(saved);
  }

  /** Lifts a suppression; true when there was one. */
  async unsuppress(customerId: string): Promise<boolean> {
    const result = await inTransaction(this.dataSource, (manager) =>
      manager.getRepository(SuppressionEntity).delete({ customerId }),
    );
    const removed = (result.affected ?? 0) > 0;
    if (removed) {
      this.logger.log('A suppression lifted');
    }

    return removed;
  }

  /** The customer's suppression, or null. */
  async isSuppressed(customerId: string, manager?: EntityManager): Promise<Suppression | null> {
    const entity = await (manager ?? this.dataSource.manager)
      .getRepository(SuppressionEntity)
      .findOneBy({ customerId });

    return entity ? suppressionView(entity) : null;
  }

  /** @throws NotFoundError `suppression_not_found`. */
  async get(customerId: string): Promise<Suppression> {
    const suppression = await this.isSuppressed(customerId);
    if (!suppression) {
      throw new NotFoundError('suppression', customerId);
    }

    return suppression;
  }

  /** The suppressions among `customerIds`, by customer id; one query. */
  async lookup(
    customerIds: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, Suppression>> {
    const found = new Map<string, Suppression>();
    if (customerIds.length === 0) {
      return found;
    }

    const rows: {
      customer_id: string;
      reason: SuppressionReason;
      source: string;
      created_at: string;
    }[] = await (manager ?? this.dataSource.manager).query(
      `SELECT "customer_id", "reason", "source", "created_at" FROM "suppressions"
          WHERE "customer_id" IN (SELECT "value" FROM json_each(?))`,
      [JSON.stringify(customerIds)],
    );
    for (const row of rows) {
      found.set(row.customer_id, {
        customerId: row.customer_id,
        reason: row.reason,
        source: row.source,
        createdAt: row.created_at,
      });
    }

    return found;
  }
}

function checkArgs(args: SuppressArgs): string {
  if (!SUPPRESSION_REASONS.includes(args.reason)) {
    throw new UserError(
      'suppression_invalid',
      `$.reason must be one of ${SUPPRESSION_REASONS.join(', ')}; got ${JSON.stringify(args.reason)}.`,
      400,
      [{ path: '$.reason', message: `one of ${SUPPRESSION_REASONS.join(', ')}` }],
    );
  }
  const source = (args.source ?? 'api').trim();
  if (source.length === 0 || source.length > 100) {
    throw new UserError(
      'suppression_invalid',
      '$.source must name who asks for the suppression, in 1 to 100 characters.',
      400,
      [{ path: '$.source', message: '1 to 100 characters' }],
    );
  }

  return source;
}
