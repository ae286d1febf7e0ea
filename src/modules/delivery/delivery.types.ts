/**
 * What a campaign run hands to delivery, and what an endpoint receives.
 *
 * A run writes its decisions and calls `DeliveryService.enqueue(manager, actions)` in the
 * same transaction, so a message exists exactly when its decision does. Every message is a
 * JSON envelope in the Standard Webhooks style, signed and sent as the request body:
 *
 * ```json
 * {
 *   "type": "action.email",
 *   "timestamp": "2026-12-01T09:30:00.000Z",
 *   "data": {
 *     "runId": "run_1", "campaignId": "spring", "decisionId": "dec_1", "customerId": "c-42",
 *     "action": "email", "params": { "template": "welcome" },
 *     "score": 0.83, "modelVersion": "7f0c…", "rule": "high-value"
 *   }
 * }
 * ```
 *
 * An endpoint with a batch size receives its `ad` actions grouped, many customers a message:
 * `{ "type": "action.ad.batch", "timestamp": …, "data": { "runId", "campaignId",
 * "actions": [ <data as above>, … ] } }`. An endpoint configured with `includePersonal:
 * ["email"]` also gets `"personal": { "email": "…" }` in each data; others get no
 * attribute. The `webhook-id` header is the delivery id and stays the same on every retry
 * and replay, so a receiver can drop duplicates by it.
 */

export const ACTION_TYPES = ['ad', 'promo', 'email', 'social'] as const;

export type ActionType = (typeof ACTION_TYPES)[number];

/** One decided action for one customer, as a campaign run produces it. */
export interface OutgoingAction {
  readonly runId: string;
  readonly campaignId: string;
  readonly decisionId: string;
  readonly customerId: string;
  readonly type: ActionType;
  /** The rule event's parameters (template, offer code, audience …), sent as given. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Calibrated score the decision used; `null` for rules that do not use a model. */
  readonly score: number | null;
  /** Id of the model version that scored the customer; `null` without a model. */
  readonly modelVersion: string | null;
  /** Name of the rule that fired, when the run knows it. */
  readonly rule?: string | null;
  /**
   * The customer's attributes as decided on. Only those an endpoint lists in
   * `includePersonal` reach its payload (as `personal`); no other attribute is ever sent.
   */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The `data` of a single-action message, and each item of a batch. */
export interface ActionData {
  readonly runId: string;
  readonly campaignId: string;
  readonly decisionId: string;
  readonly customerId: string;
  readonly action: ActionType;
  readonly params: Readonly<Record<string, unknown>>;
  readonly score: number | null;
  readonly modelVersion: string | null;
  readonly rule: string | null;
  /** The personal attributes the endpoint asked for (`includePersonal`); absent otherwise. */
  readonly personal?: Readonly<Record<string, unknown>>;
}

export interface SingleActionEnvelope {
  readonly type: `action.${ActionType}`;
  /** When the message was created (ISO 8601); the signed `webhook-timestamp` is per attempt. */
  readonly timestamp: string;
  readonly data: ActionData;
}

export interface AdBatchEnvelope {
  readonly type: 'action.ad.batch';
  readonly timestamp: string;
  readonly data: {
    readonly runId: string;
    readonly campaignId: string;
    readonly actions: readonly ActionData[];
  };
}

export type DeliveryEnvelope = SingleActionEnvelope | AdBatchEnvelope;

export const DELIVERY_STATUSES = ['pending', 'in_flight', 'delivered', 'dead'] as const;

/**
 * `pending`: waits for `next_attempt_at`; `in_flight`: claimed by a dispatcher until
 * `lease_until`; `delivered`: a 2xx came back; `dead`: the last scheduled attempt failed.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
