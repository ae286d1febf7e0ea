import type { ErrorDetail } from '../../common/errors';
import { DEFAULT_TOLERANCE_SECONDS } from '../delivery/signing';
import { OUTCOME_TYPES, OutcomeType, isOutcomeType } from './outcome-types';

/**
 * The shape of an outcome event, as `POST /events` takes it (one object or an array) and as
 * each line of a JSON-lines file (or row of a CSV file, by column name) gives it:
 *
 * ```json
 * { "id": "evt_81", "customerId": "c-42", "type": "converted",
 *   "occurredAt": "2026-12-02T10:15:00Z", "decisionId": "…", "deliveryId": "msg_…",
 *   "value": 59.9 }
 * ```
 *
 * `id` is the reporter's own event id: the same id from the same origin is stored once.
 * `decisionId` and `deliveryId` (the `webhook-id` of the message the event is about) are
 * optional; without either, the event counts for every decision of the customer whose
 * window it falls in.
 */
export interface InboundEvent {
  readonly id: string;
  readonly customerId: string;
  readonly type: OutcomeType;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  readonly decisionId: string | null;
  readonly deliveryId: string | null;
  readonly value: number | null;
}

export const EVENT_FIELDS = [
  'id',
  'customerId',
  'type',
  'occurredAt',
  'decisionId',
  'deliveryId',
  'value',
] as const;

/** Events one request may carry. */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Clocks differ: an event may be dated this far past our clock. */
const FUTURE_ALLOWANCE_MS = DEFAULT_TOLERANCE_SECONDS * 1000;

/** An ISO 8601 date and time with a time zone (`Z` or `±hh:mm`). */
export const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Reads the body of `POST /events`: one event at `$`, or an array of them at `$[i]`.
 * Every problem is reported, each at its JSON path; events come back only without any.
 */
export function readEventBody(
  body: unknown,
  now: number,
): { events: InboundEvent[]; problems: ErrorDetail[] } {
  if (!Array.isArray(body)) {
    const problems: ErrorDetail[] = [];
    const event = readEvent(body, '$', now, problems);

    return { events: event && problems.length === 0 ? [event] : [], problems };
  }
  if (body.length === 0 || body.length > MAX_EVENTS_PER_REQUEST) {
    return {
      events: [],
      problems: [
        {
          path: '$',
          message: `send 1 to ${MAX_EVENTS_PER_REQUEST} events a request (got ${body.length})`,
        },
      ],
    };
  }

  const problems: ErrorDetail[] = [];
  const events = body.map((item, i) => readEvent(item, `$[${i}]`, now, problems));
  problems.push(...repeatedIds(events, (i) => `$[${i}]`));

  return { events: problems.length === 0 ? (events as InboundEvent[]) : [], problems };
}

/** Reads one event at `path`; problems go to `problems`, undefined when there were any. */
export function readEvent(
  input: unknown,
  path: string,
  now: number,
  problems: ErrorDetail[],
): InboundEvent | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({
      path,
      message: 'an event is a JSON object with id, customerId, type, occurredAt',
    });

    return undefined;
  }
  const before = problems.length;
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(EVENT_FIELDS as readonly string[]).includes(key)) {
      problems.push({
        path: `${path}.${key}`,
        message: `is not a field of an event; known: ${EVENT_FIELDS.join(', ')}`,
      });
    }
  }

  const id = text(record.id, `${path}.id`, 128, problems, true);
  const customerId = text(record.customerId, `${path}.customerId`, 256, problems, true);
  if (!isOutcomeType(record.type)) {
    problems.push({
      path: `${path}.type`,
      message: `must be one of ${OUTCOME_TYPES.join(', ')}`,
    });
  }
  const occurredAt = time(record.occurredAt, `${path}.occurredAt`, now, problems);
  const decisionId = text(record.decisionId, `${path}.decisionId`, 36, problems, false);
  const deliveryId = text(record.deliveryId, `${path}.deliveryId`, 40, problems, false);
  const value = record.value ?? null;
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
    problems.push({ path: `${path}.value`, message: 'must be a number, e.g. the revenue' });
  }
  if (problems.length > before) {
    return undefined;
  }

  return {
    id: id as string,
    customerId: customerId as string,
    type: record.type as OutcomeType,
    occurredAt: occurredAt as number,
    decisionId: decisionId ?? null,
    deliveryId: deliveryId ?? null,
    value: value as number | null,
  };
}

/** Problems for event ids given twice among `events` (undefined entries are skipped). */
export function repeatedIds(
  events: readonly (InboundEvent | undefined)[],
  pathOf: (index: number) => string,
): ErrorDetail[] {
  const first = new Map<string, number>();
  const problems: ErrorDetail[] = [];
  events.forEach((event, i) => {
    if (!event) return;
    const seen = first.get(event.id);
    if (seen === undefined) {
      first.set(event.id, i);
    } else {
      problems.push({ path: `${pathOf(i)}.id`, message: `repeats the id of ${pathOf(seen)}` });
    }
  });

  return problems;
}

function text(
  value: unknown,
  path: string,
  maxLength: number,
  problems: ErrorDetail[],
  required: boolean,
): string | undefined {
  if (value === undefined || value === null) {
    if (required) problems.push({ path, message: 'is required' });

    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    problems.push({
      path,
      message: `must be a non-empty string of at most ${maxLength} characters`,
    });

    return undefined;
  }

  return value;
}

function time(
  value: unknown,
  path: string,
  now: number,
  problems: ErrorDetail[],
): number | undefined {
  if (value === undefined || value === null) {
    problems.push({ path, message: 'is required: when it happened, ISO 8601 with a time zone' });

    return undefined;
  }
  const at = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) {
    problems.push({
      path,
      message: 'must be an ISO 8601 time with a time zone, e.g. "2026-12-02T10:15:00Z"',
    });

    return undefined;
  }
  if (at > now + FUTURE_ALLOWANCE_MS) {
    problems.push({ path, message: 'lies in the future' });

    return undefined;
  }

  return at;
}
