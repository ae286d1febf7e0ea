import {
  MAX_EVENTS_PER_REQUEST,
  readEventBody,
} from '../../../src/modules/events/event-validation';

const NOW = Date.parse('2026-12-02T12:00:00.000Z');

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt_1',
    customerId: 'c-42',
    type: 'converted',
    occurredAt: '2026-12-02T10:15:00Z',
    ...overrides,
  };
}

describe('readEventBody', () => {
  it('reads one event, filling the optional fields with null', () => {
    const { events, problems } = readEventBody(event({ value: 59.9 }), NOW);

    expect(problems).toEqual([]);
    expect(events).toEqual([
      {
        id: 'evt_1',
        customerId: 'c-42',
        type: 'converted',
        occurredAt: Date.parse('2026-12-02T10:15:00Z'),
        decisionId: null,
        deliveryId: null,
        value: 59.9,
      },
    ]);
  });

  it('reads a time with an offset as the same instant', () => {
    const { events } = readEventBody(event({ occurredAt: '2026-12-02T11:15:00.250+01:00' }), NOW);

    expect(events[0].occurredAt).toBe(Date.parse('2026-12-02T10:15:00.250Z'));
  });

  it('names each problem of an array by its JSON path, and returns no events then', () => {
    const body = [
      event(),
      event({ id: 'evt_2', customerId: '' }),
      event({ id: 'evt_3', value: '12' }),
      event({ id: 'evt_4', type: 'purchased' }),
      event({ id: 'evt_5', occurredAt: '02/12/2026' }),
      event({ id: 'evt_6', colour: 'red' }),
      'not an event',
      event({ id: 'evt_1' }),
    ];

    const { events, problems } = readEventBody(body, NOW);

    expect(events).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual([
      '$[1].customerId',
      '$[2].value',
      '$[3].type',
      '$[4].occurredAt',
      '$[5].colour',
      '$[6]',
      '$[7].id',
    ]);
    expect(problems[2].message).toContain('delivered, opened, clicked, converted');
    expect(problems[6].message).toBe('repeats the id of $[0]');
  });

  it('uses $ for the fields of a single event', () => {
    const { problems } = readEventBody({ type: 'opened' }, NOW);

    expect(problems.map((p) => p.path)).toEqual(['$.id', '$.customerId', '$.occurredAt']);
  });

  it('refuses an event dated more than five minutes ahead of the clock', () => {
    const soon = new Date(NOW + 4 * 60_000).toISOString();
    const later = new Date(NOW + 6 * 60_000).toISOString();

    expect(readEventBody(event({ occurredAt: soon }), NOW).problems).toEqual([]);
    expect(readEventBody(event({ occurredAt: later }), NOW).problems).toEqual([
      { path: '$.occurredAt', message: 'lies in the future' },
    ]);
  });

  it('refuses an empty array and one longer than the limit', () => {
    const long = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, (_, i) =>
      event({ id: `e${i}` }),
    );

    expect(readEventBody([], NOW).problems[0].path).toBe('$');
    expect(readEventBody(long, NOW).problems[0].message).toContain(`got ${long.length}`);
  });
});
