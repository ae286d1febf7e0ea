import {
  MAX_RETRY_AFTER_MS,
  parseDuration,
  parseDurationList,
  parseRetryAfter,
  settleAttempt,
  SettleInput,
} from '../../../src/modules/delivery/retry';

const NOW = Date.UTC(2026, 11, 1, 9, 0, 0);
const SCHEDULE = [0, 5_000, 300_000];

function settle(overrides: Partial<SettleInput> & Pick<SettleInput, 'response'>) {
  return settleAttempt({
    attempts: 0,
    scheduleOffset: 0,
    now: NOW,
    schedule: SCHEDULE,
    random: () => 0.5,
    ...overrides,
  });
}

describe('durations', () => {
  it('reads the default schedule', () => {
    expect(parseDurationList('0,5s,5m,30m,2h,5h,10h,10h')).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
  });

  it('reads milliseconds, bare numbers and days', () => {
    expect(parseDurationList(' 0, 50ms ,100')).toEqual([0, 50, 100]);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1.5s')).toBe(1_500);
  });

  it('refuses what is not a duration, naming it', () => {
    expect(() => parseDurationList('0,5x')).toThrow('"5x" is not a duration');
    expect(() => parseDurationList(' , ')).toThrow('at least one delay');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
  });

  it('reads an HTTP date as the wait until then, never negative', () => {
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
  });

  it('caps a wait longer than a day and ignores what it cannot read', () => {
    expect(parseRetryAfter(String(7 * 86_400), NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });
});

describe('settleAttempt', () => {
  it('delivers on any 2xx', () => {
    const result = settle({ attempts: 1, response: { statusCode: 204 } });

    expect(result).toMatchObject({ status: 'delivered', attempts: 2, error: null });
    expect(result.nextAttemptAt).toBeNull();
  });

  it('schedules the next step of the schedule after a 500', () => {
    const result = settle({ attempts: 0, response: { statusCode: 500 } });

    expect(result).toMatchObject({ status: 'pending', attempts: 1, error: 'HTTP 500' });
    expect(result.nextAttemptAt).toBe(NOW + 5_000);
  });

  it('spreads the wait by ±20 % jitter', () => {
    const low = settle({ attempts: 1, response: { statusCode: 500 }, random: () => 0 });
    const high = settle({ attempts: 1, response: { statusCode: 500 }, random: () => 0.999999 });

    expect(low.nextAttemptAt).toBe(NOW + 240_000);
    expect(high.nextAttemptAt).toBe(NOW + 360_000);
  });

  it('dead-letters after the last step', () => {
    const result = settle({ attempts: 2, response: { statusCode: 502 } });

    expect(result).toMatchObject({ status: 'dead', attempts: 3, nextAttemptAt: null });
  });

  it('counts the schedule from the replay on', () => {
    const result = settle({ attempts: 3, scheduleOffset: 3, response: { statusCode: 500 } });

    expect(result).toMatchObject({ status: 'pending', attempts: 4 });
    expect(result.nextAttemptAt).toBe(NOW + 5_000);
  });

  it('treats a redirect as a failure', () => {
    const result = settle({ response: { statusCode: 302 } });

    expect(result.status).toBe('pending');
    expect(result.error).toBe('HTTP 302: redirects are not followed');
  });

  it('waits as long as Retry-After asks on 429 and 503, but not on other statuses', () => {
    const limited = settle({ response: { statusCode: 429, retryAfter: '30' } });
    const unavailable = settle({
      response: { statusCode: 503, retryAfter: new Date(NOW + 60_000).toUTCString() },
    });
    const other = settle({ response: { statusCode: 500, retryAfter: '30' } });

    expect(limited.nextAttemptAt).toBe(NOW + 30_000);
    expect(unavailable.nextAttemptAt).toBe(NOW + 60_000);
    expect(other.nextAttemptAt).toBe(NOW + 5_000);
  });

  it('keeps the schedule’s wait when Retry-After asks for less', () => {
    const result = settle({ attempts: 1, response: { statusCode: 429, retryAfter: '1' } });

    expect(result.nextAttemptAt).toBe(NOW + 300_000);
  });

  it('marks the endpoint gone on 410 without using up the schedule', () => {
    const result = settle({ attempts: 2, response: { statusCode: 410 } });

    expect(result).toMatchObject({
      status: 'pending',
      attempts: 3,
      scheduleOffset: 1,
      nextAttemptAt: NOW,
      endpointGone: true,
    });
  });

  it('records the transport error when no response came', () => {
    const result = settle({ response: { statusCode: null, error: 'timeout after 15000 ms' } });

    expect(result).toMatchObject({ status: 'pending', error: 'timeout after 15000 ms' });
  });
});
