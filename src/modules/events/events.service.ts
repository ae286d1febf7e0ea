import * as fs from 'node:fs';
import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ErrorDetail, ErrorLocation, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import { SuppressionsService } from '../campaigns/suppressions.service';
import { IMPORT_ORIGIN } from './entities/outcome-event.entity';
import { EventFileFormat, eventFileFormat, readEventFile } from './event-files';
import { InboundEvent, readEventBody } from './event-validation';
import { EventsClock } from './events-clock';
import { authenticate } from './inbound-signature';
import { IntegrationsService } from './integrations.service';
import { SUPPRESSING_OUTCOMES } from './outcome-types';

/** Who reported a batch of events. */
export interface EventOriginRef {
  /** Stored with each event: an integration id, `import` or `history`. */
  readonly id: string;
  /** Recorded as the source of the suppressions the events set. */
  readonly source: string;
}

export interface IngestArgs {
  readonly events: readonly InboundEvent[];
  readonly origin: EventOriginRef;
  /** The `webhook-id` of a signed request: the same id again stores nothing. */
  readonly webhookId?: string;
  /** Where event `index` is in the input, for error details (default `$[index]`). */
  readonly locate?: (index: number) => ErrorLocation;
}

export interface IngestResult {
  /** `duplicate`: a request with this `webhook-id` was taken before; nothing was stored. */
  readonly status: 'accepted' | 'duplicate';
  readonly received: number;
  /** Events stored now. */
  readonly stored: number;
  /** Events whose id this origin had reported before; not stored again. */
  readonly duplicates: number;
  /** Customers suppressed now because of an `unsubscribed` or `bounced` event. */
  readonly suppressed: number;
}

export interface ImportEventsResult extends IngestResult {
  readonly file: string;
  readonly format: EventFileFormat;
}

/** Receipts are needed only while a replay could still pass the timestamp check. */
const RECEIPT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** 10 parameters a row. */
const EVENTS_PER_STATEMENT = 500;
const REPORTED_PROBLEMS = 20;

/**
 * Outcome events: checked against the decisions and deliveries they name, stored once per
 * origin and event id, and turned into suppressions at once for `unsubscribed` and
 * `bounced`. One request or file is one transaction: all of it is taken, or none.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly integrations: IntegrationsService,
    private readonly clock: EventsClock,
  ) {}

  /**
   * Takes a signed `POST /events` request: checks the signature against every integration's
   * secrets, reads the events and stores them once per `webhook-id`.
   *
   * @throws UnauthorizedException (401) `signature_missing`, `signature_timestamp_invalid`,
   *   `signature_stale`, `signature_invalid`; UserError `events_invalid` (400).
   */
  async receive(request: {
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly rawBody: Buffer;
    readonly body: unknown;
  }): Promise<IngestResult> {
    const now = this.clock.now();
    const signed = authenticate({
      headers: request.headers,
      body: request.rawBody,
      integrations: await this.integrations.signingIntegrations(now),
      nowSeconds: Math.floor(now / 1000),
    });
    if (!signed.ok) {
      this.logger.warn(`Refused an events request: ${signed.code}`);
      throw new UnauthorizedException({ code: signed.code, message: signed.message, details: [] });
    }
    if (signed.webhookId.length > 128) {
      throw new UserError('webhook_id_invalid', 'webhook-id must be at most 128 characters.', 400, [
        { field: 'webhook-id', message: 'at most 128 characters' },
      ]);
    }

    const { events, problems } = readEventBody(request.body, now);
    if (problems.length > 0) {
      throw new UserError(
        'events_invalid',
        `The events are invalid: ${describe(problems.slice(0, 5))}.`,
        400,
        problems.slice(0, 100),
      );
    }

    return this.ingest({
      events,
      origin: { id: signed.integration.id, source: `integration ${signed.integration.id}` },
      webhookId: signed.webhookId,
      locate: Array.isArray(request.body) ? (i) => ({ path: `$[${i}]` }) : () => ({ path: '$' }),
    });
  }

  /** @throws UserError `events_invalid` (400) when an event names an unknown decision or delivery. */
  async ingest(args: IngestArgs): Promise<IngestResult> {
    const now = this.clock.now();
    const locate = args.locate ?? ((i: number) => ({ path: `$[${i}]` }));

    const result = await inTransaction(this.dataSource, async (manager) => {
      if (args.webhookId !== undefined && (await this.seen(manager, args))) {
        return duplicateRequest(args.events.length);
      }
      const events = await this.resolveReferences(manager, args.events, locate);
      const fresh = await this.unseen(manager, args.origin.id, events);
      await insertEvents(manager, args.origin.id, fresh, now);
      const suppressed = await this.suppress(manager, fresh, args.origin.source);
      if (args.webhookId !== undefined) {
        await manager.query(`DELETE FROM "event_receipts" WHERE "received_at" < ?`, [
          now - RECEIPT_RETENTION_MS,
        ]);
        await manager.query(
          `INSERT INTO "event_receipts" ("integration_id", "webhook_id", "received_at", "events")
           VALUES (?, ?, ?, ?)`,
          [args.origin.id, args.webhookId, now, args.events.length],
        );
      }

      return {
        status: 'accepted' as const,
        received: args.events.length,
        stored: fresh.length,
        duplicates: args.events.length - fresh.length,
        suppressed,
      };
    });
    this.logger.log(
      `Events from ${args.origin.id}: ${result.status}, ${result.stored} stored, ` +
        `${result.duplicates} seen before, ${result.suppressed} customers suppressed`,
    );

    return result;
  }

  /**
   * Loads a JSON-lines or CSV file of events as an operator's import (origin `import`, no
   * signature). Importing the same file again stores nothing new.
   *
   * @throws UserError `events_file_not_found`, `events_file_invalid` (422, with lines).
   */
  async importFile(file: string, format?: EventFileFormat): Promise<ImportEventsResult> {
    const head = await readHead(file);
    const chosen = format ?? eventFileFormat(file, head);
    const read = await readEventFile(file, chosen, this.clock.now());
    if (read.problems.length > 0) {
      throw new UserError(
        'events_file_invalid',
        `${read.badLines} lines of ${file} are not valid events; nothing was imported. ` +
          `First: ${describe(read.problems.slice(0, 3))}.`,
        422,
        read.problems.slice(0, REPORTED_PROBLEMS),
      );
    }
    const result = await this.ingest({
      events: read.events,
      origin: { id: IMPORT_ORIGIN, source: 'events import' },
      locate: (i) => ({ line: read.lines[i], path: '$' }),
    });

    return { ...result, file, format: chosen };
  }

  private async seen(manager: EntityManager, args: IngestArgs): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM "event_receipts" WHERE "integration_id" = ? AND "webhook_id" = ?`,
      [args.origin.id, args.webhookId],
    );

    return rows.length > 0;
  }

  /**
   * Checks that each named decision exists and is the customer's, and finds the decision of
   * the customer among a named delivery's.
   */
  private async resolveReferences(
    manager: EntityManager,
    events: readonly InboundEvent[],
    locate: (index: number) => ErrorLocation,
  ): Promise<InboundEvent[]> {
    const deliveryIds = unique(events.map((e) => e.deliveryId));
    const deliveries = new Map<string, string[]>();
    if (deliveryIds.length > 0) {
      const rows: { id: string; decision_ids: string }[] = await manager.query(
        `SELECT "id", "decision_ids" FROM "deliveries"
         WHERE "id" IN (SELECT "value" FROM json_each(?))`,
        [JSON.stringify(deliveryIds)],
      );
      for (const row of rows) deliveries.set(row.id, JSON.parse(row.decision_ids) as string[]);
    }
    const decisionIds = unique([
      ...events.map((e) => e.decisionId),
      ...[...deliveries.values()].flat(),
    ]);
    const owners = new Map<string, string>();
    if (decisionIds.length > 0) {
      const rows: { id: string; customer_id: string }[] = await manager.query(
        `SELECT "id", "customer_id" FROM "decisions"
         WHERE "id" IN (SELECT "value" FROM json_each(?))`,
        [JSON.stringify(decisionIds)],
      );
      for (const row of rows) owners.set(row.id, row.customer_id);
    }

    const problems: ErrorDetail[] = [];
    const resolved = events.map((event, i): InboundEvent => {
      const at = (field: string, message: string) => {
        const where = locate(i);
        problems.push({ ...where, path: `${where.path ?? '$'}.${field}`, message });
      };
      let decisionId = event.decisionId;
      if (decisionId !== null && owners.get(decisionId) !== event.customerId) {
        at(
          'decisionId',
          owners.has(decisionId) ? "is another customer's decision" : 'no such decision',
        );
      }
      if (event.deliveryId !== null) {
        const candidates = deliveries.get(event.deliveryId);
        const own = candidates?.find((id) => owners.get(id) === event.customerId);
        if (!candidates) {
          at('deliveryId', 'no such delivery');
        } else if (!own) {
          at('deliveryId', 'the delivery carried no decision for this customer');
        } else if (decisionId !== null && decisionId !== own) {
          at('decisionId', `is not the decision of delivery ${event.deliveryId}`);
        }
        decisionId ??= own ?? null;
      }

      return { ...event, decisionId };
    });
    if (problems.length > 0) {
      throw new UserError(
        'events_invalid',
        `The events are invalid: ${describe(problems.slice(0, 5))}.`,
        400,
        problems.slice(0, 100),
      );
    }

    return resolved;
  }

  /** The events whose id this origin has not reported before. */
  private async unseen(
    manager: EntityManager,
    origin: string,
    events: readonly InboundEvent[],
  ): Promise<InboundEvent[]> {
    if (events.length === 0) {
      return [];
    }

    const rows: { event_id: string }[] = await manager.query(
      `SELECT "event_id" FROM "outcome_events"
       WHERE "origin" = ? AND "event_id" IN (SELECT "value" FROM json_each(?))`,
      [origin, JSON.stringify(events.map((e) => e.id))],
    );
    const known = new Set(rows.map((row) => row.event_id));

    return events.filter((event) => !known.has(event.id));
  }

  /** Suppresses the customers of new `unsubscribed`/`bounced` events not suppressed yet. */
  private async suppress(
    manager: EntityManager,
    events: readonly InboundEvent[],
    source: string,
  ): Promise<number> {
    const reasons = new Map<string, 'unsubscribed' | 'bounced'>();
    for (const event of events) {
      const reason = SUPPRESSING_OUTCOMES[event.type];
      if (reason && !reasons.has(event.customerId)) reasons.set(event.customerId, reason);
    }
    if (reasons.size === 0) {
      return 0;
    }

    // An existing suppression (a do-not-contact request, say) keeps its reason.
    const existing = await this.suppressions.lookup([...reasons.keys()], manager);
    let count = 0;
    for (const [customerId, reason] of reasons) {
      if (existing.has(customerId)) continue;
      await this.suppressions.suppress(customerId, { reason, source });
      count++;
    }

    return count;
  }
}

/** Stores events through the caller's transaction; `now` is their receipt time. */
export async function insertEvents(
  manager: EntityManager,
  origin: string,
  events: readonly InboundEvent[],
  now: number,
): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_STATEMENT) {
    const chunk = events.slice(start, start + EVENTS_PER_STATEMENT);
    await manager.query(
      `INSERT INTO "outcome_events" ("origin", "event_id", "customer_id", "type", "occurred_at",
         "decision_id", "delivery_id", "value", "received_at")
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e) => [
        origin,
        e.id,
        e.customerId,
        e.type,
        e.occurredAt,
        e.decisionId,
        e.deliveryId,
        e.value,
        now,
      ]),
    );
  }
}

function duplicateRequest(received: number): IngestResult {
  return { status: 'duplicate', received, stored: 0, duplicates: received, suppressed: 0 };
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

function describe(problems: readonly ErrorDetail[]): string {
  return problems
    .map((p) => `${p.line !== undefined ? `line ${p.line} ` : ''}${p.path ?? ''} ${p.message}`)
    .join('; ');
}

async function readHead(file: string): Promise<string> {
  try {
    const handle = await fs.promises.open(file, 'r');
    try {
      const buffer = Buffer.alloc(512);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);

      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    throw new UserError('events_file_not_found', `No readable file at "${file}".`, 400, [
      { path: '$.file', message: 'not found' },
    ]);
  }
}
