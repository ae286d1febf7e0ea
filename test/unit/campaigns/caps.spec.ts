import { historyFacts, lookbackDays } from '../../../src/modules/campaigns/contact-history';
import {
  checkCaps,
  ContactEvent,
  countInWindow,
  DAY_MS,
  describeCaps,
} from '../../../src/modules/campaigns/frequency-caps';

const now = Date.parse('2026-12-01T12:00:00.000Z');
const daysAgo = (days: number) => now - days * DAY_MS;

describe('frequency cap windows', () => {
  const contacts: ContactEvent[] = [
    { action: 'email', at: daysAgo(0.5) },
    { action: 'email', at: daysAgo(6.99) },
    { action: 'email', at: daysAgo(7) },
    { action: 'ad', at: daysAgo(2) },
    { action: 'promo', at: daysAgo(40) },
  ];

  it('counts a rolling window: inside just before its start, not at the start itself', () => {
    expect(countInWindow(contacts, { action: 'email', windowDays: 7 }, now)).toBe(2);
    expect(countInWindow(contacts, { action: 'email', windowDays: 8 }, now)).toBe(3);
    expect(countInWindow(contacts, { action: 'email', windowDays: 1 }, now)).toBe(1);
  });

  it('counts every type for an any cap and one type for a typed cap', () => {
    expect(countInWindow(contacts, { action: 'any', windowDays: 7 }, now)).toBe(3);
    expect(countInWindow(contacts, { action: 'any', windowDays: 60 }, now)).toBe(5);
    expect(countInWindow(contacts, { action: 'ad', windowDays: 7 }, now)).toBe(1);
    expect(countInWindow(contacts, { action: 'social', windowDays: 60 }, now)).toBe(0);
  });

  it('checks only the caps that apply to the action; a cap is reached at max', () => {
    const caps = [
      { action: 'email' as const, max: 2, windowDays: 7 },
      { action: 'ad' as const, max: 1, windowDays: 7 },
      { action: 'any' as const, max: 5, windowDays: 30 },
    ];

    expect(checkCaps(caps, 'email', contacts, now)).toEqual([
      { action: 'email', max: 2, windowDays: 7, count: 2, reached: true },
      { action: 'any', max: 5, windowDays: 30, count: 4, reached: false },
    ]);
    expect(checkCaps(caps, 'social', contacts, now)).toEqual([
      { action: 'any', max: 5, windowDays: 30, count: 4, reached: false },
    ]);
    expect(checkCaps(caps, 'email', contacts, daysAgo(-1))).toEqual([
      { action: 'email', max: 2, windowDays: 7, count: 1, reached: false },
      { action: 'any', max: 5, windowDays: 30, count: 4, reached: false },
    ]);
  });

  it("shares one frozen check per cap and count, so a batch's caps serialise once", () => {
    const caps = [{ action: 'email' as const, max: 1, windowDays: 7 }];
    const first = checkCaps(caps, 'email', contacts, now);
    const again = checkCaps(caps, 'email', contacts, now);
    const other = checkCaps([{ ...caps[0] }], 'email', contacts, now);

    expect(again).not.toBe(first);
    expect(again[0]).toBe(first[0]);
    expect(other[0]).not.toBe(first[0]);
    expect(other).toEqual(first);
    expect(Object.isFrozen(first[0])).toBe(true);
    expect(checkCaps(caps, 'email', [], now)[0]).toEqual({ ...first[0], count: 0, reached: false });
  });

  it('describes the caps for a reason', () => {
    const caps = [{ action: 'email' as const, max: 2, windowDays: 7 }];

    expect(describeCaps('email', checkCaps(caps, 'email', [], now))).toBe(
      'email cap 2/7d not reached (0 in 7d)',
    );
    expect(describeCaps('email', checkCaps(caps, 'email', contacts, now))).toBe(
      'email cap 2/7d reached (2 in 7d)',
    );
    expect(describeCaps('ad', [])).toBe('no frequency cap on ad');
  });
});

describe('contact history facts', () => {
  it('has a key only for channels ever contacted, days to two decimals', () => {
    const facts = historyFacts(
      [
        { action: 'email', at: daysAgo(3.256) },
        { action: 'email', at: daysAgo(12) },
        { action: 'promo', at: daysAgo(45) },
      ],
      now,
    );

    expect(facts.days_since_last_action).toEqual({ email: 3.25, promo: 45, any: 3.25 });
    expect(facts.actions_last_30d).toEqual({ email: 2, promo: 0, any: 2 });
  });

  it('is empty for a customer never contacted', () => {
    expect(historyFacts([], now)).toEqual({ days_since_last_action: {}, actions_last_30d: {} });
  });

  it('loads at least 30 days of history, more for a longer cap', () => {
    expect(lookbackDays([])).toBe(30);
    expect(lookbackDays([{ action: 'any', max: 3, windowDays: 90 }])).toBe(90);
  });
});
