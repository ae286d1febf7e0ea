/**
 * Contact history: every action delivered to a customer, by any campaign. The facts
 * `days_since_last_action` and `actions_last_30d` and the frequency caps' counts come from
 * it. A batch of customers is loaded with one query: their contacts within the longest
 * window anyone needs, plus the latest older contact per action type (for "days since").
 */
import type { EntityManager } from 'typeorm';
import { MultiRowInsert } from '../../database/multi-row-insert';
import type { FrequencyCap } from './campaign-validation';
import { ContactEvent, DAY_MS } from './frequency-caps';
import type { ActionType, ContactHistory, HistoryKey } from './rules';

/** The window of `actions_last_30d`, in days. */
export const HISTORY_WINDOW_DAYS = 30;

/** The history facts of one customer, as the rules read them. */
export interface HistoryFacts {
  readonly days_since_last_action: ContactHistory;
  readonly actions_last_30d: ContactHistory;
}

/**
 * The history facts at `now`. A key exists only for a channel the customer was ever
 * contacted through (and `any` once contacted at all), as the rules module documents;
 * days are fractional, to two decimals.
 */
export function historyFacts(contacts: readonly ContactEvent[], now: number): HistoryFacts {
  const last: ContactHistory = {};
  const recent: ContactHistory = {};
  const since = now - HISTORY_WINDOW_DAYS * DAY_MS;
  for (const contact of contacts) {
    for (const key of [contact.action, 'any'] as HistoryKey[]) {
      const days = Math.max(0, Math.floor(((now - contact.at) / DAY_MS) * 100) / 100);
      last[key] = Math.min(last[key] ?? Infinity, days);
      recent[key] = (recent[key] ?? 0) + (contact.at > since ? 1 : 0);
    }
  }

  return { days_since_last_action: last, actions_last_30d: recent };
}

/** Days of history a campaign needs loaded: the history facts' window or its longest cap. */
export function lookbackDays(caps: readonly FrequencyCap[]): number {
  return Math.max(HISTORY_WINDOW_DAYS, ...caps.map((cap) => cap.windowDays));
}

/**
 * The contacts of `customerIds` that the facts and caps at `now` can count, by customer:
 * all within `lookback` days, and the latest older one per action type. One query.
 */
export async function loadContacts(
  manager: EntityManager,
  customerIds: readonly string[],
  now: number,
  lookback: number,
): Promise<Map<string, ContactEvent[]>> {
  const byCustomer = new Map<string, ContactEvent[]>();
  if (customerIds.length === 0) {
    return byCustomer;
  }

  const ids = JSON.stringify(customerIds);
  const since = new Date(now - lookback * DAY_MS).toISOString();
  const rows: { customer_id: string; action: ActionType; at: string }[] = await manager.query(
    `SELECT "customer_id", "action", "at" FROM "contacts"
      WHERE "customer_id" IN (SELECT "value" FROM json_each(?)) AND "at" > ?
     UNION ALL
     SELECT "customer_id", "action", MAX("at") AS "at" FROM "contacts"
      WHERE "customer_id" IN (SELECT "value" FROM json_each(?)) AND "at" <= ?
      GROUP BY "customer_id", "action"`,
    [ids, since, ids, since],
  );
  for (const row of rows) {
    const list = byCustomer.get(row.customer_id) ?? [];
    list.push({ action: row.action, at: Date.parse(row.at) });
    byCustomer.set(row.customer_id, list);
  }

  return byCustomer;
}

/** A contact to store: one per decision that delivers an action. */
export interface NewContact {
  readonly decisionId: string;
  readonly customerId: string;
  readonly action: ActionType;
  readonly campaignId: string;
  /** ISO 8601. */
  readonly at: string;
}

const CONTACT_COLUMNS = ['decision_id', 'customer_id', 'action', 'campaign_id', 'at'] as const;

/** Stores contacts through the caller's transaction, in multi-row statements. */
export async function insertContacts(
  manager: EntityManager,
  contacts: readonly NewContact[],
): Promise<void> {
  await contactInserts(contacts).execute(manager);
}

/** The statements that store `contacts` (see `insertContacts`), to run later. */
export function contactInserts(contacts: readonly NewContact[]): MultiRowInsert {
  const insert = new MultiRowInsert('contacts', CONTACT_COLUMNS);
  for (const c of contacts) {
    insert.begin();
    insert.add(
      `(${insert.value(c.decisionId)}, ${insert.value(c.customerId)}, ` +
        `${insert.value(c.action)}, ${insert.shared(c.campaignId)}, ${insert.shared(c.at)})`,
    );
  }

  return insert;
}
