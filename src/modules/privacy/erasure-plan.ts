import { createHash } from 'node:crypto';

/**
 * What erasing a customer does to each table. Every table of the schema is named here, so a
 * table added by a new migration must say how erasure treats it (a unit test holds the list
 * against the migrated schema).
 */
export type Treatment =
  /** The customer's rows are deleted. */
  | { readonly kind: 'delete'; readonly column: string }
  /**
   * Rows kept for the counts that report on them (runs, lift), under the customer's
   * pseudonym, with the columns that quote attributes (params, reason, explanation) emptied.
   */
  | { readonly kind: 'pseudonymise'; readonly column: string; readonly cleared: readonly string[] }
  /** The outbox: undelivered messages deleted, delivered ones replaced by a tombstone. */
  | { readonly kind: 'outbox' }
  /** A resume cursor that may hold the id: moved back to the customer before it. */
  | { readonly kind: 'cursor'; readonly column: string }
  /** Free text (error messages, audit targets) that may quote the id: the id is replaced. */
  | { readonly kind: 'text'; readonly columns: readonly string[] }
  /** The record of erasures itself (hashes only). */
  | { readonly kind: 'record' }
  /** Holds nothing about a single customer. */
  | { readonly kind: 'none'; readonly why: string };

export interface TablePlan {
  readonly table: string;
  readonly treatments: readonly Treatment[];
}

const none = (why: string): Treatment[] => [{ kind: 'none', why }];

/** In the order erasure applies them: the outbox needs the decisions before they change. */
export const ERASURE_PLAN: readonly TablePlan[] = [
  {
    table: 'deliveries',
    treatments: [{ kind: 'outbox' }, { kind: 'text', columns: ['last_error'] }],
  },
  { table: 'delivery_attempts', treatments: [{ kind: 'text', columns: ['error'] }] },
  { table: 'contacts', treatments: [{ kind: 'delete', column: 'customer_id' }] },
  {
    table: 'decisions',
    treatments: [
      { kind: 'pseudonymise', column: 'customer_id', cleared: ['params', 'reason', 'explanation'] },
    ],
  },
  { table: 'scores', treatments: [{ kind: 'delete', column: 'customer_id' }] },
  { table: 'outcome_events', treatments: [{ kind: 'delete', column: 'customer_id' }] },
  { table: 'suppressions', treatments: [{ kind: 'delete', column: 'customer_id' }] },
  { table: 'dataset_records', treatments: [{ kind: 'delete', column: 'customer_id' }] },
  { table: 'customers', treatments: [{ kind: 'delete', column: 'id' }] },
  {
    table: 'campaign_runs',
    treatments: [
      { kind: 'cursor', column: 'last_customer_id' },
      { kind: 'text', columns: ['error'] },
    ],
  },
  { table: 'scoring_runs', treatments: [{ kind: 'text', columns: ['error'] }] },
  { table: 'training_jobs', treatments: [{ kind: 'text', columns: ['message', 'error'] }] },
  { table: 'retraining_runs', treatments: [{ kind: 'text', columns: ['reason', 'error'] }] },
  { table: 'audit_log', treatments: [{ kind: 'text', columns: ['target'] }] },
  { table: 'erasures', treatments: [{ kind: 'record' }] },
  {
    table: 'datasets',
    treatments: none('schemas and profiles: counts, no values of personal columns'),
  },
  { table: 'models', treatments: none('model names and descriptions') },
  { table: 'model_versions', treatments: none('fitted pipelines and artifacts, no customer rows') },
  { table: 'model_promotions', treatments: none('promotion history') },
  { table: 'endpoints', treatments: none('webhook configuration') },
  { table: 'endpoint_secrets', treatments: none('signing secrets') },
  { table: 'campaigns', treatments: none('campaign definitions') },
  { table: 'retraining_schedules', treatments: none('schedule settings') },
  { table: 'schedule_locks', treatments: none('process locks') },
  { table: 'drift_reports', treatments: none('per-feature drift statistics') },
  { table: 'drift_references', treatments: none('per-feature reference statistics') },
  { table: 'integrations', treatments: none('integration names') },
  { table: 'integration_secrets', treatments: none('sealed secrets') },
  { table: 'event_receipts', treatments: none('webhook ids and event counts') },
  { table: 'api_keys', treatments: none('hashed API keys') },
  { table: 'api_key_endpoints', treatments: none('links of keys to endpoints') },
  { table: 'migrations', treatments: none('applied migrations') },
  { table: 'sqlite_sequence', treatments: none('autoincrement counters') },
];

/**
 * The hash an erased customer is recorded under: SHA-256 of the id (with a fixed prefix),
 * in hex. It is no secret: whoever holds a guessed id can check it against the record,
 * which is the point (answering "was this customer erased?"), and also why ids that are
 * easy to guess (row numbers, emails) are confirmed by it.
 */
export function customerHash(customerId: string): string {
  return createHash('sha256').update(`bullseye-customer:${customerId}`).digest('hex');
}

/** What kept rows (decisions) name an erased customer by. */
export function pseudonymOf(customerId: string): string {
  return `erased:${customerHash(customerId)}`;
}

/** What a decision's reason reads after erasure. */
export const ERASED_REASON = 'erased on request';

/**
 * The forms in which free text may hold the id: as is, and escaped inside JSON text.
 * Each is replaced by the pseudonym; a form shorter than 3 characters is not searched,
 * as it would match inside unrelated words.
 */
export function idForms(customerId: string): string[] {
  const escaped = JSON.stringify(customerId).slice(1, -1);
  const forms = escaped === customerId ? [customerId] : [customerId, escaped];

  return forms.filter((form) => form.length >= 3);
}

/** Rows deleted and changed in one table by an erasure. */
export interface TableCount {
  deleted: number;
  changed: number;
}

/** Adds to the counts of `table` (created when missing); counts stay plain JSON. */
export function addCount(
  counts: Record<string, TableCount>,
  table: string,
  change: Partial<TableCount>,
): void {
  const count = counts[table] ?? { deleted: 0, changed: 0 };
  count.deleted += change.deleted ?? 0;
  count.changed += change.changed ?? 0;
  counts[table] = count;
}

/** The counts without the tables nothing happened to. */
export function touchedCounts(counts: Record<string, TableCount>): Record<string, TableCount> {
  return Object.fromEntries(
    Object.entries(counts).filter(([, c]) => c.deleted > 0 || c.changed > 0),
  );
}
