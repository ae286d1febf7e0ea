/**
 * Retry timing and the outcome of one attempt, as pure functions of their inputs.
 *
 * The schedule is a list of delays: entry `i` is the wait before attempt `i + 1`, so
 * `0,5s,5m` means a first attempt at once, a second 5 s after the first failed, a third 5 min
 * after that, then the dead letter. Each wait is spread by ±20 % jitter so that deliveries
 * failed together do not come back together. The delays grow by hand-picked steps rather
 * than a formula, and the next attempt's time is stored with the delivery (it outlives the
 * process), so there is no retry loop for a backoff library to run: the maths is the jitter.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Spread of each scheduled wait: ±20 %. */
export const DEFAULT_JITTER = 0.2;

/** A `Retry-After` further out than this is cut to it, so an endpoint cannot park messages. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** `250ms`, `5s`, `5m`, `2h`, `1d`; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a duration (examples: 0, 250ms, 5s, 5m, 2h, 1d)`);
  }

  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}

/** A comma-separated schedule such as `0,5s,5m,30m`; at least one entry. */
export function parseDurationList(text: string): number[] {
  const parts = text.split(',').filter((part) => part.trim() !== '');
  if (parts.length === 0) {
    throw new Error('the schedule needs at least one delay (e.g. "0,5s,5m")');
  }

  return parts.map(parseDuration);
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: either delay seconds or an HTTP
 * date. `null` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined || value.trim() === '') {
    return null;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    return null;
  }

  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}

/** A scheduled wait with jitter; `random` is uniform in [0, 1). */
export function jittered(delayMs: number, random: () => number, jitter = DEFAULT_JITTER): number {
  return Math.round(delayMs * (1 + jitter * (2 * random() - 1)));
}

/** What came back from one attempt: a status code, or a transport error and no status. */
export interface AttemptResponse {
  readonly statusCode: number | null;
  /** The `Retry-After` header, when there was one. */
  readonly retryAfter?: string | null;
  /** Transport failure (timeout, connection refused …) when no response arrived. */
  readonly error?: string | null;
}

export interface SettleInput {
  /** Attempts made before this one. */
  readonly attempts: number;
  /** Attempts that do not count against the schedule (made before a replay, or a 410). */
  readonly scheduleOffset: number;
  readonly response: AttemptResponse;
  /** When the attempt ended, epoch milliseconds. */
  readonly now: number;
  readonly schedule: readonly number[];
  readonly random: () => number;
}

/** The delivery's state after an attempt, and what to record about the attempt. */
export interface Settlement {
  readonly status: 'delivered' | 'pending' | 'dead';
  readonly attempts: number;
  readonly scheduleOffset: number;
  readonly nextAttemptAt: number | null;
  /** The attempt's error text; `null` for a 2xx. */
  readonly error: string | null;
  /** A 410 Gone: the endpoint asks to receive nothing more. */
  readonly endpointGone: boolean;
}

/**
 * Only a 2xx delivers. A 410 disables the endpoint and puts the message back without using
 * up its schedule, so it goes out once the endpoint is enabled again. Anything else (3xx,
 * 4xx, 5xx, no response) waits for the next step of the schedule, or for `Retry-After` on a
 * 429 or 503 when that is longer; past the last step the delivery is dead.
 */
export function settleAttempt(input: SettleInput): Settlement {
  const attempts = input.attempts + 1;
  const { statusCode } = input.response;

  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return {
      status: 'delivered',
      attempts,
      scheduleOffset: input.scheduleOffset,
      nextAttemptAt: null,
      error: null,
      endpointGone: false,
    };
  }

  const error = describeFailure(input.response);
  if (statusCode === 410) {
    return {
      status: 'pending',
      attempts,
      scheduleOffset: input.scheduleOffset + 1,
      nextAttemptAt: input.now,
      error,
      endpointGone: true,
    };
  }

  const step = attempts - input.scheduleOffset;
  if (step >= input.schedule.length) {
    return {
      status: 'dead',
      attempts,
      scheduleOffset: input.scheduleOffset,
      nextAttemptAt: null,
      error,
      endpointGone: false,
    };
  }
  const scheduled = jittered(input.schedule[step], input.random);
  const asked =
    statusCode === 429 || statusCode === 503
      ? (parseRetryAfter(input.response.retryAfter, input.now) ?? 0)
      : 0;

  return {
    status: 'pending',
    attempts,
    scheduleOffset: input.scheduleOffset,
    nextAttemptAt: input.now + Math.max(scheduled, asked),
    error,
    endpointGone: false,
  };
}

function describeFailure(response: AttemptResponse): string {
  const { statusCode } = response;
  if (statusCode === null) {
    return response.error ?? 'no response';
  }
  if (statusCode >= 300 && statusCode < 400) {
    return `HTTP ${statusCode}: redirects are not followed`;
  }

  return `HTTP ${statusCode}`;
}
