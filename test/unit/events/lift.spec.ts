import type { LabelledDecision } from '../../../src/modules/events/labels';
import {
  compare,
  liftSummary,
  newcombeInterval,
  relativeLiftInterval,
  wilsonInterval,
} from '../../../src/modules/events/lift';

/** A labelled decision; every field that matters can be set. */
function decision(overrides: Partial<LabelledDecision> & { id: string }): LabelledDecision {
  return {
    customerId: overrides.id,
    runId: 'run-1',
    status: 'action',
    rule: 'r1',
    action: 'email',
    capped: false,
    decidedAt: 0,
    converted: false,
    convertedAt: null,
    open: false,
    ...overrides,
  };
}

describe('Wilson and Newcombe intervals', () => {
  it('gives the Wilson interval of 56/70', () => {
    const interval = wilsonInterval(56, 70);

    expect(interval.lower).toBeCloseTo(0.69183, 5);
    expect(interval.upper).toBeCloseTo(0.87695, 5);
  });

  it('stays inside [0, 1] at 0 and n successes', () => {
    expect(wilsonInterval(0, 10).lower).toBe(0);
    expect(wilsonInterval(0, 10).upper).toBeCloseTo(0.27753, 5);
    expect(wilsonInterval(10, 10).upper).toBeLessThanOrEqual(1);
    expect(wilsonInterval(10, 10).lower).toBeCloseTo(0.72247, 5);
  });

  // Newcombe (1998), "Interval estimation for the difference between independent
  // proportions", Table II, method 10 (score interval without continuity correction).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
  ])('matches the published interval for %i/%i − %i/%i', (x1, n1, x0, n0, lower, upper) => {
    const interval = newcombeInterval(x1, n1, x0, n0);

    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('gives the log risk-ratio interval of the relative lift, none without outcomes', () => {
    // RR = 0.2 / 0.1 = 2; se = √(1/20 − 1/100 + 1/10 − 1/100) = √0.13.
    const interval = relativeLiftInterval(20, 100, 10, 100);

    expect(interval?.lower).toBeCloseTo(-0.0134368, 6);
    expect(interval?.upper).toBeCloseTo(3.0544792, 6);
    expect(relativeLiftInterval(5, 100, 0, 100)).toBeNull();
  });
});

describe('compare', () => {
  it('gives rates, the difference and the relative lift', () => {
    const result = compare(
      { count: 200, converted: 30, open: 0 },
      { count: 100, converted: 10, open: 0 },
    );

    expect(result.contacted.rate).toBe(0.15);
    expect(result.holdout.rate).toBe(0.1);
    expect(result.lift.difference).toBeCloseTo(0.05, 12);
    expect(result.lift.relative).toBeCloseTo(0.5, 12);
    expect(result.lift.differenceInterval).toEqual(newcombeInterval(30, 200, 10, 100));
  });

  it('reports no lift when a group is empty, and no relative lift over a zero rate', () => {
    const empty = compare(
      { count: 10, converted: 2, open: 0 },
      { count: 0, converted: 0, open: 0 },
    );
    const zero = compare(
      { count: 10, converted: 2, open: 0 },
      { count: 10, converted: 0, open: 0 },
    );

    expect(empty.holdout.rate).toBeNull();
    expect(empty.lift.difference).toBeNull();
    expect(empty.lift.differenceInterval).toBeNull();
    expect(zero.lift.difference).toBeCloseTo(0.2, 12);
    expect(zero.lift.relative).toBeNull();
    expect(zero.lift.relativeInterval).toBeNull();
  });
});

describe('liftSummary', () => {
  it('compares each rule with the holdout customers for whom that rule would have fired', () => {
    const labelled = [
      decision({ id: 'a1', rule: 'r1', converted: true }),
      decision({ id: 'a2', rule: 'r1' }),
      decision({ id: 'a3', rule: 'r2', converted: true }),
      decision({ id: 'h1', status: 'holdout', rule: 'r1', converted: true }),
      decision({ id: 'h2', status: 'holdout', rule: 'r1' }),
      decision({ id: 'h3', status: 'holdout', rule: 'r2' }),
      // Never comparable: no rule fired, or a cap would have held the action back.
      decision({ id: 'h4', status: 'holdout', rule: null, action: null, converted: true }),
      decision({ id: 'h5', status: 'holdout', rule: 'r2', capped: true, converted: true }),
    ];

    const summary = liftSummary(labelled, ['r2', 'r1']);

    expect(summary.controlGroup).toBe('rule');
    expect(summary.contacted).toMatchObject({ count: 3, converted: 2 });
    expect(summary.holdout).toMatchObject({ count: 3, converted: 1 });
    expect(summary.lift.difference).toBeCloseTo(2 / 3 - 1 / 3, 12);
    expect(summary.rules.map((r) => r.rule)).toEqual(['r2', 'r1']);
    expect(summary.rules[0]).toMatchObject({
      contacted: { count: 1, converted: 1, rate: 1 },
      holdout: { count: 1, converted: 0, rate: 0 },
    });
    expect(summary.rules[1].lift.difference).toBeCloseTo(0.5 - 0.5, 12);
  });

  it('compares every rule with the whole holdout group when no holdout decision names a rule', () => {
    const labelled = [
      decision({ id: 'm1', rule: 'mens', converted: true }),
      decision({ id: 'm2', rule: 'mens' }),
      decision({ id: 'w1', rule: 'womens' }),
      decision({ id: 'h1', status: 'holdout', rule: null, action: null }),
      decision({ id: 'h2', status: 'holdout', rule: null, action: null, converted: true }),
      decision({ id: 'h3', status: 'holdout', rule: null, action: null }),
      decision({ id: 'h4', status: 'holdout', rule: null, action: null }),
    ];

    const summary = liftSummary(labelled);

    expect(summary.controlGroup).toBe('campaign');
    expect(summary.holdout).toMatchObject({ count: 4, converted: 1, rate: 0.25 });
    expect(summary.rules.map((r) => [r.rule, r.controlGroup, r.holdout.count])).toEqual([
      ['mens', 'campaign', 4],
      ['womens', 'campaign', 4],
    ]);
    expect(summary.rules[0].lift.difference).toBeCloseTo(0.5 - 0.25, 12);
    expect(summary.rules[1].lift.relative).toBeCloseTo(-1, 12);
  });

  it('counts a customer once per run at campaign level, and once per decision per rule', () => {
    // One customer got an email and an ad in the same run; the email was followed by a
    // conversion attributed to it.
    const labelled = [
      decision({ id: 'e', customerId: 'c1', rule: 'mail', action: 'email', converted: true }),
      decision({ id: 'd', customerId: 'c1', rule: 'banner', action: 'ad' }),
      decision({ id: 'x', customerId: 'c1', runId: 'run-2', rule: 'mail', open: true }),
      decision({ id: 'h', customerId: 'c2', status: 'holdout', rule: 'mail' }),
    ];

    const summary = liftSummary(labelled);

    expect(summary.contacted).toMatchObject({ count: 2, converted: 1, open: 1 });
    expect(summary.rules.find((r) => r.rule === 'mail')?.contacted).toMatchObject({
      count: 2,
      converted: 1,
      open: 1,
    });
    expect(summary.rules.find((r) => r.rule === 'banner')?.contacted.count).toBe(1);
  });
});
