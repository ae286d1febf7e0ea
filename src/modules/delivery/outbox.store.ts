import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../database/unit-of-work';
import { signingKey } from './signing';
import { chunkRows, placeholders } from './sql';

/** A delivery the dispatcher holds a lease on. */
export interface ClaimedDelivery {
  readonly id: string;
  /** The claim holding the lease; results are written only while it still does. */
  readonly leaseToken: string;
  readonly endpointId: string;
  readonly payload: string;
  readonly attempts: number;
  readonly scheduleOffset: number;
}

/** Where and with which keys to send an endpoint's messages (newest secret first). */
export interface EndpointTarget {
  readonly id: string;
  readonly url: string;
  readonly keys: readonly Buffer[];
}

export interface AttemptRow {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly startedAt: number;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

/** The state a delivery leaves its lease in. */
export interface OutcomeRow {
  readonly id: string;
  readonly leaseToken: string;
  readonly status: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly scheduleOffset: number;
  readonly nextAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly deadAt: number | null;
}

export interface RecordInput {
  readonly attempts: readonly AttemptRow[];
  readonly outcomes: readonly OutcomeRow[];
  /** Claimed but not attempted (their endpoint answered 410 meanwhile): back to pending. */
  readonly released: readonly { readonly id: string; readonly leaseToken: string }[];
  /** Endpoints that answered 410, with the reason to record. */
  readonly goneEndpoints: ReadonlyMap<string, string>;
  readonly now: number;
}

/** Leased deliveries, with where to send them. */
export interface ClaimedBatch {
  readonly deliveries: ClaimedDelivery[];
  readonly targets: Map<string, EndpointTarget>;
}

/**
 * The dispatcher's SQL on the outbox. A claim is one `UPDATE` that stamps a lease and a
 * token, so two dispatchers never hold the same row, and a result is written only while its
 * claim still holds the lease. Claims and results are units of work (`inTransaction`): they
 * wait for a campaign run's transaction to commit, so nothing uncommitted is ever sent.
 */
@Injectable()
export class OutboxStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Leases up to `limit` due deliveries of enabled endpoints (expired leases first). */
  claim(now: number, limit: number, leaseUntil: number, leaseToken: string): Promise<ClaimedBatch> {
    return inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `UPDATE "deliveries" SET "status" = 'in_flight', "lease_until" = ?, "lease_token" = ?
         WHERE "id" IN (
           SELECT "id" FROM (
             SELECT "id" FROM "deliveries"
             WHERE "status" = 'in_flight' AND "lease_until" <= ?
               AND "endpoint_id" IN (SELECT "id" FROM "endpoints" WHERE "enabled" = 1)
             LIMIT ?)
           UNION ALL
           SELECT "id" FROM (
             SELECT "id" FROM "deliveries"
             WHERE "status" = 'pending' AND "next_attempt_at" <= ?
               AND "endpoint_id" IN (SELECT "id" FROM "endpoints" WHERE "enabled" = 1)
             ORDER BY "next_attempt_at"
             LIMIT ?))`,
        [leaseUntil, leaseToken, now, limit, now, limit],
      );
      const rows: {
        id: string;
        endpoint_id: string;
        payload: string;
        attempts: number;
        schedule_offset: number;
      }[] = await manager.query(
        `SELECT "id", "endpoint_id", "payload", "attempts", "schedule_offset"
         FROM "deliveries" WHERE "lease_token" = ?`,
        [leaseToken],
      );
      const deliveries = rows.map((row) => ({
        id: row.id,
        leaseToken,
        endpointId: row.endpoint_id,
        payload: row.payload,
        attempts: row.attempts,
        scheduleOffset: row.schedule_offset,
      }));
      const endpointIds = [...new Set(deliveries.map((d) => d.endpointId))];

      return { deliveries, targets: await this.targets(manager, endpointIds, now) };
    });
  }

  /** URLs and signing keys (newest first) of the enabled endpoints among `endpointIds`. */
  private async targets(
    manager: EntityManager,
    endpointIds: readonly string[],
    now: number,
  ): Promise<Map<string, EndpointTarget>> {
    const targets = new Map<string, { id: string; url: string; keys: Buffer[] }>();
    if (endpointIds.length === 0) {
      return targets;
    }

    const rows: { id: string; url: string; secret: string }[] = await manager.query(
      `SELECT e."id", e."url", s."secret" FROM "endpoints" e
       JOIN "endpoint_secrets" s ON s."endpoint_id" = e."id"
       WHERE e."enabled" = 1 AND e."id" IN (${endpointIds.map(() => '?').join(', ')})
         AND (s."expires_at" IS NULL OR s."expires_at" > ?)
       ORDER BY e."id", s."id" DESC`,
      [...endpointIds, now],
    );
    for (const row of rows) {
      const target = targets.get(row.id) ?? { id: row.id, url: row.url, keys: [] };
      target.keys.push(signingKey(row.secret));
      targets.set(row.id, target);
    }

    return targets;
  }

  /** Writes the attempts, each delivery's new state and the endpoints found gone, at once. */
  record(input: RecordInput): Promise<void> {
    return inTransaction(this.dataSource, (manager) => this.write(manager, input));
  }

  private async write(manager: EntityManager, input: RecordInput): Promise<void> {
    for (const chunk of chunkRows(input.attempts, 6)) {
      await manager.query(
        `INSERT INTO "delivery_attempts"
           ("delivery_id", "attempt", "started_at", "status_code", "latency_ms", "error")
         VALUES ${placeholders(chunk.length, 6)}`,
        chunk.flatMap((a) => [
          a.deliveryId,
          a.attempt,
          a.startedAt,
          a.statusCode,
          a.latencyMs,
          a.error,
        ]),
      );
    }

    for (const chunk of chunkRows(input.outcomes, 10)) {
      await manager.query(
        `UPDATE "deliveries" SET
           "status" = v.column2, "attempts" = v.column3, "schedule_offset" = v.column4,
           "next_attempt_at" = v.column5, "last_status" = v.column6, "last_error" = v.column7,
           "delivered_at" = v.column8, "dead_at" = v.column9,
           "lease_until" = NULL, "lease_token" = NULL
         FROM (VALUES ${placeholders(chunk.length, 10)}) AS v
         WHERE "deliveries"."id" = v.column1 AND "deliveries"."lease_token" = v.column10`,
        chunk.flatMap((o) => [
          o.id,
          o.status,
          o.attempts,
          o.scheduleOffset,
          o.nextAttemptAt,
          o.lastStatus,
          o.lastError,
          o.deliveredAt,
          o.deadAt,
          o.leaseToken,
        ]),
      );
    }

    for (const chunk of chunkRows(input.released, 2)) {
      await manager.query(
        `UPDATE "deliveries" SET "status" = 'pending', "lease_until" = NULL, "lease_token" = NULL
         FROM (VALUES ${placeholders(chunk.length, 2)}) AS v
         WHERE "deliveries"."id" = v.column1 AND "deliveries"."lease_token" = v.column2`,
        chunk.flatMap((r) => [r.id, r.leaseToken]),
      );
    }

    for (const [endpointId, reason] of input.goneEndpoints) {
      await manager.query(
        `UPDATE "endpoints" SET "enabled" = 0, "disabled_reason" = ?, "updated_at" = ?
         WHERE "id" = ? AND "enabled" = 1`,
        [reason, input.now, endpointId],
      );
    }
  }
}
