import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError } from '../../common/errors';
import type { MultiRowInsert } from '../../database/multi-row-insert';
import { TopContribution, topContributions } from '../../plugin-sdk/explain';
import { DeliveryService, OutboxWrite } from '../delivery/delivery.service';
import type { RoutableEndpoint } from '../delivery/planning';
import { CampaignRunEntity } from './campaign-run.entity';
import { contactInserts } from './contact-history';
import { countDecision, countOutOfAudience, DecisionCounts } from './decision-core';
import { decisionInserts, decisionRecords } from './decision.entity';
import {
  BatchHistory,
  DecidedCustomer,
  DecisionContext,
  ScoredBatch,
  SimulationService,
} from './simulation.service';

/**
 * The batches of a campaign run as CampaignRunsService walks them: each one decided and
 * written in its own transaction, with the next one read and decided meanwhile (the walk
 * says how), and what was decided ahead kept only if nothing it rests on changed.
 */
@Injectable()
export class RunBatchWriter {
  constructor(
    private readonly simulation: SimulationService,
    private readonly delivery: DeliveryService,
  ) {}

  /**
   * One batch, inside one transaction: decide (or take what was decided ahead, if nothing
   * was written since), store, move the cursor; and start on the `next` batch.
   */
  async store(
    manager: EntityManager,
    run: CampaignRunEntity,
    context: DecisionContext,
    scored: ScoredBatch,
    since: number,
    prepared: DecidedAhead | null,
    upcoming: { next: Promise<ScoredBatch | null>; readFurther: () => void },
  ): Promise<{ run: CampaignRunEntity; ahead: DecidedAhead | null }> {
    const begun = await databaseMark(manager);
    let writes: BatchWrites | undefined;
    if (prepared && sameMark(begun, prepared.mark)) {
      writes = await prepared.writes;
    } else {
      // Read here; what was decided ahead still holds if what it rests on reads the same.
      const now = prepared?.now ?? Date.now();
      const [history, routes] = await Promise.all([
        this.simulation.readHistory(context, scored, manager, now),
        this.delivery.routes(manager),
      ]);
      writes =
        prepared && sameHistory(history, prepared.history) && sameRoutes(routes, prepared.routes)
          ? await prepared.writes
          : await this.batchWrites(run, context, scored, history, routes, now);
    }

    const counts = addBatch(run.counts, scored, writes.decided);
    const stored: CampaignRunEntity = {
      ...run,
      status: 'running',
      lastCustomerId: scored.lastCustomerId,
      batches: run.batches + 1,
      counts,
      deliveries: run.deliveries + writes.outbox.deliveries,
      activeMs: run.activeMs + (Date.now() - since),
      updatedAt: new Date().toISOString(),
    };
    // What the next batch is decided on: none of it is what this transaction writes (other
    // customers' contacts), so it is read first, to be decided while SQLite writes this one.
    // The writes wait for those reads: SQLite would otherwise take them in any order.
    const decideNext = handled(this.readUpcoming(manager, stored, context, upcoming.next));
    await decideNext;
    // Every statement is handed to SQLite at once; the transaction commits only once each
    // one has finished. The cursor moves only from where this process saw it: a second
    // executor stops here.
    const cursor = handled(
      manager
        .createQueryBuilder()
        .update(CampaignRunEntity)
        .set({
          status: stored.status,
          lastCustomerId: stored.lastCustomerId,
          batches: stored.batches,
          counts: stored.counts,
          deliveries: stored.deliveries,
          activeMs: stored.activeMs,
          updatedAt: stored.updatedAt,
        } as QueryDeepPartialEntity<CampaignRunEntity>)
        .where('id = :id AND batches = :batches', { id: run.id, batches: run.batches })
        .execute(),
    );
    const written = [
      handled(writes.decisions.execute(manager)),
      handled(writes.contacts.execute(manager)),
      handled(writes.outbox.write(manager)),
      cursor,
    ];
    await givenWay();
    upcoming.readFurther();
    await allWritten(written);
    if ((await cursor).affected !== 1) {
      throw new ConflictError(
        'run_taken_over',
        `Run ${run.id} moved on in another process meanwhile; this one stopped.`,
      );
    }

    const ahead = await decideNext;
    if (ahead === null) {
      return { run: stored, ahead: null };
    }

    // The database as this transaction leaves it, if it changed nothing but its own rows
    // (each decision, contact and message, and the cursor): a row changed in any other way
    // makes the next transaction decide its batch again.
    const changed = writes.rows + 1;

    return {
      run: stored,
      ahead: { ...ahead, mark: { changes: begun.changes + changed, version: begun.version } },
    };
  }

  /**
   * For the next batch, once it is read and scored: its customers' contacts and suppressions
   * and the endpoints, read through this transaction, and then deciding it and building its
   * statements, which carries on while this transaction finishes and commits.
   */
  private async readUpcoming(
    manager: EntityManager,
    run: CampaignRunEntity,
    context: DecisionContext,
    next: Promise<ScoredBatch | null>,
  ): Promise<Omit<DecidedAhead, 'mark'> | null> {
    const scored = await next;
    if (scored === null) {
      return null;
    }
    const now = Date.now();
    const [history, routes] = await Promise.all([
      this.simulation.readHistory(context, scored, manager, now),
      this.delivery.routes(manager),
    ]);
    // Started once this transaction has handed its writes to SQLite; awaited by the next
    // transaction, unless something written meanwhile makes it moot.
    const writes = handled(
      givenWay().then(() => this.batchWrites(run, context, scored, history, routes, now)),
    );

    return { scored, now, history, routes, writes };
  }

  /**
   * Decides a batch on what was read at `now` and builds every statement it writes. It gives
   * way to other work every few hundred customers, so that a transaction waiting to go on
   * (to commit, say) is not held up while a batch is decided ahead.
   */
  private async batchWrites(
    run: CampaignRunEntity,
    context: DecisionContext,
    scored: ScoredBatch,
    history: BatchHistory,
    routes: readonly RoutableEndpoint[],
    now: number,
  ): Promise<BatchWrites> {
    const decided: DecidedCustomer[] = [];
    for (let start = 0; start < scored.customers.length; start += DECIDE_SLICE) {
      if (start > 0) await givenWay();
      const slice = { ...scored, customers: scored.customers.slice(start, start + DECIDE_SLICE) };
      decided.push(...this.simulation.decideHistory(context, slice, history, now));
    }
    const records = decisionRecords({
      decided,
      model: context.model,
      campaign: { id: run.campaignId, revision: run.campaignRevision },
      runId: run.id,
      source: 'run',
      now,
      explanations: await explainActions(context, decided),
    });
    await givenWay();
    const decisions = decisionInserts(records.decisions);
    decisions.build();
    await givenWay();
    const contacts = contactInserts(records.contacts);
    contacts.build();
    await givenWay();

    const outbox = this.delivery.plan(records.actions, routes);
    const rows = records.decisions.length + records.contacts.length + outbox.deliveries;

    return { decided, decisions, contacts, outbox, rows };
  }
}

/** What a batch writes: its decisions and every statement, built in its transaction or ahead. */
interface BatchWrites {
  readonly decided: readonly DecidedCustomer[];
  readonly decisions: MultiRowInsert;
  readonly contacts: MultiRowInsert;
  readonly outbox: OutboxWrite;
  /** The rows they insert. */
  readonly rows: number;
}

/** A batch decided ahead of its transaction, on what read as it did when `mark` was taken. */
export interface DecidedAhead {
  readonly scored: ScoredBatch;
  readonly mark: DatabaseMark;
  /** When it was decided, and what on. */
  readonly now: number;
  readonly history: BatchHistory;
  readonly routes: readonly RoutableEndpoint[];
  readonly writes: Promise<BatchWrites>;
}

/**
 * What tells whether anything was written to the database between two points: the rows
 * changed through this process's connection (`total_changes()`: every row inserted, updated
 * or deleted, rolled back or not), which all of this process's writes go through, and the
 * commits of every other connection (`data_version`, as of the transaction's snapshot).
 */
interface DatabaseMark {
  readonly changes: number;
  readonly version: number;
}

async function databaseMark(manager: EntityManager): Promise<DatabaseMark> {
  const [row]: { changes: number; version: number }[] = await manager.query(
    'SELECT total_changes() AS "changes", (SELECT "data_version" FROM pragma_data_version) AS "version"',
  );

  return { changes: Number(row.changes), version: Number(row.version) };
}

function sameMark(a: DatabaseMark, b: DatabaseMark): boolean {
  return a.changes === b.changes && a.version === b.version;
}

/** Whether two reads of a batch's contacts and suppressions found the same, in the same order. */
function sameHistory(a: BatchHistory, b: BatchHistory): boolean {
  if (a.contacts.size !== b.contacts.size || a.suppressed.size !== b.suppressed.size) {
    return false;
  }
  for (const [customerId, contacts] of a.contacts) {
    const other = b.contacts.get(customerId);
    if (other === undefined || other.length !== contacts.length) return false;
    for (let i = 0; i < contacts.length; i++) {
      if (contacts[i].action !== other[i].action || contacts[i].at !== other[i].at) return false;
    }
  }
  for (const [customerId, suppression] of a.suppressed) {
    const other = b.suppressed.get(customerId);
    if (
      other === undefined ||
      other.reason !== suppression.reason ||
      other.source !== suppression.source ||
      other.createdAt !== suppression.createdAt
    ) {
      return false;
    }
  }

  return true;
}

/** Whether two reads of the endpoints route messages alike (their order included). */
function sameRoutes(a: readonly RoutableEndpoint[], b: readonly RoutableEndpoint[]): boolean {
  const sameList = (x: readonly string[] = [], y: readonly string[] = []) =>
    x.length === y.length && x.every((item, i) => item === y[i]);

  return (
    a.length === b.length &&
    a.every(
      (e, i) =>
        e.id === b[i].id &&
        e.enabled === b[i].enabled &&
        e.batchSize === b[i].batchSize &&
        sameList(e.actionTypes, b[i].actionTypes) &&
        sameList(e.includePersonal, b[i].includePersonal),
    )
  );
}

/** `promise`, its failure handled where it is awaited (until then not "unhandled"). */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);

  return promise;
}

/** Customers decided between two turns of the event loop when a batch is decided ahead. */
const DECIDE_SLICE = 100;

/** Lets whatever else is ready run (a statement's result, a commit to hand over) first. */
function givenWay(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits for every statement, failed or not, before failing with the first error: a rollback
 * must not overtake a statement still running, which would then run outside the transaction.
 */
async function allWritten(writes: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    throw failed.reason;
  }
}

function addBatch(
  counts: DecisionCounts,
  scored: ScoredBatch,
  decided: readonly DecidedCustomer[],
): DecisionCounts {
  const next = structuredClone(counts);
  countOutOfAudience(next, scored.outOfAudience);
  for (const { decision } of decided) {
    countDecision(next, decision);
  }

  return next;
}

/** Contributions per actioned customer, when the model's plugin explains its predictions. */
async function explainActions(
  context: DecisionContext,
  decided: readonly DecidedCustomer[],
): Promise<ReadonlyMap<string, TopContribution[]> | undefined> {
  const explain = context.scorer.explain;
  const actioned = decided.filter(({ decision }) =>
    decision.slots.some((slot) => slot.status === 'action'),
  );
  if (!explain || actioned.length === 0) {
    return undefined;
  }
  const contributions = await explain(actioned.map(({ customer }) => customer.attributes));
  const top = topContributions(contributions, context.scorer.featureNames, 3);

  return new Map(actioned.map(({ customer }, i) => [customer.id, top[i]]));
}
