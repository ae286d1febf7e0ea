/**
 * What erasure does to one outbox message about a customer, and which parts of a message
 * are about a customer (for the export). Pure: the payload in, the change out.
 *
 * A message not yet delivered (`pending`, `dead`) loses the customer's actions, and is
 * deleted when none is left. A message delivered (or being sent right now) stays on record,
 * the customer's actions replaced by a tombstone: `{ "decisionId", "erased": true }` inside
 * a batch, or, when nothing else is left, the whole payload:
 *
 * ```json
 * { "type": "action.email", "timestamp": "…", "erased": true, "erasedAt": "…",
 *   "data": { "runId": "…", "campaignId": "…", "decisionIds": ["…"] } }
 * ```
 */
import type { ActionData, DeliveryEnvelope, DeliveryStatus } from '../delivery/delivery.types';

export interface OutboxMessage {
  readonly status: DeliveryStatus;
  readonly payload: string;
  readonly decisionIds: readonly string[];
}

export type OutboxChange =
  /** Nothing of the customer in it. */
  | { readonly kind: 'keep' }
  /** Undelivered and only about the customer: remove it (and its attempts). */
  | { readonly kind: 'delete' }
  /** Undelivered batch: the other customers' actions stay. */
  | { readonly kind: 'trim'; readonly payload: string; readonly decisionIds: string[] }
  /** Delivered: the customer's parts replaced by a tombstone; `stop` when in flight. */
  | { readonly kind: 'tombstone'; readonly payload: string; readonly stop: boolean };

/** An action of a batch after erasure. */
export interface ErasedItem {
  readonly decisionId: string;
  readonly erased: true;
}

type Item = ActionData | ErasedItem;

const UNDELIVERED: readonly DeliveryStatus[] = ['pending', 'dead'];

/** Whether a stored payload is a whole-message tombstone (never sent again). */
export function isTombstone(payload: string): boolean {
  return (JSON.parse(payload) as { erased?: unknown }).erased === true;
}

export function scrubMessage(
  message: OutboxMessage,
  customerId: string,
  erasedAt: string,
): OutboxChange {
  const envelope = JSON.parse(message.payload) as DeliveryEnvelope & { erased?: boolean };
  if (envelope.erased === true) {
    return { kind: 'keep' };
  }
  const items = itemsOf(envelope);
  const mine = items.filter((item) => isAbout(item, customerId));
  if (mine.length === 0) {
    return { kind: 'keep' };
  }

  const others = items.filter((item) => !isAbout(item, customerId));
  const live = others.filter((item): item is ActionData => !('erased' in item));
  if (UNDELIVERED.includes(message.status)) {
    if (live.length === 0) {
      return { kind: 'delete' };
    }

    return {
      kind: 'trim',
      payload: JSON.stringify(withItems(envelope, others)),
      decisionIds: others.map((item) => item.decisionId),
    };
  }

  const stop = message.status === 'in_flight';
  if (live.length === 0) {
    return {
      kind: 'tombstone',
      payload: JSON.stringify(tombstone(envelope, message, erasedAt)),
      stop,
    };
  }
  const replaced = items.map((item): Item =>
    isAbout(item, customerId) ? { decisionId: item.decisionId, erased: true } : item,
  );

  return { kind: 'tombstone', payload: JSON.stringify(withItems(envelope, replaced)), stop };
}

/** The actions of a stored message that are about the customer (none in a tombstone). */
export function customerActions(payload: string, customerId: string): ActionData[] {
  const envelope = JSON.parse(payload) as DeliveryEnvelope & { erased?: boolean };
  if (envelope.erased === true) {
    return [];
  }

  return itemsOf(envelope).filter((item): item is ActionData => isAbout(item, customerId));
}

function itemsOf(envelope: DeliveryEnvelope): Item[] {
  return envelope.type === 'action.ad.batch' ? [...envelope.data.actions] : [envelope.data];
}

function isAbout(item: Item, customerId: string): item is ActionData {
  return !('erased' in item) && item.customerId === customerId;
}

function withItems(envelope: DeliveryEnvelope, items: readonly Item[]): DeliveryEnvelope {
  if (envelope.type === 'action.ad.batch') {
    return { ...envelope, data: { ...envelope.data, actions: items as ActionData[] } };
  }

  // A single message has one item, so it is never trimmed or partly replaced.
  return envelope;
}

function tombstone(envelope: DeliveryEnvelope, message: OutboxMessage, erasedAt: string) {
  const { runId, campaignId } = envelope.data;

  return {
    type: envelope.type,
    timestamp: envelope.timestamp,
    erased: true,
    erasedAt,
    data: { runId, campaignId, decisionIds: [...message.decisionIds] },
  };
}
