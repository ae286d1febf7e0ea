import {
  DAY_MS,
  exposures,
  LabelDecision,
  labelDecisions,
  LabelOutcome,
} from '../../../src/modules/events/labels';

const DECIDED = Date.parse('2026-11-01T09:00:00.000Z');
const WINDOW = { windowMs: 14 * DAY_MS, now: DECIDED + 30 * DAY_MS };

function decision(overrides: Partial<LabelDecision> = {}): LabelDecision {
  return {
    id: 'd1',
    customerId: 'c1',
    runId: 'run-1',
    status: 'action',
    rule: 'r1',
    action: 'email',
    capped: false,
    decidedAt: DECIDED,
    ...overrides,
  };
}

function outcome(at: number, overrides: Partial<LabelOutcome> = {}): LabelOutcome {
  return { customerId: 'c1', occurredAt: at, decisionId: null, ...overrides };
}

const labelAt = (at: number) => labelDecisions([decision()], [outcome(at)], WINDOW)[0];

describe('labelDecisions window', () => {
  it('counts an outcome at the moment of the decision', () => {
    expect(labelAt(DECIDED)).toMatchObject({ converted: true, convertedAt: DECIDED });
  });

  it('counts an outcome one millisecond before the window ends', () => {
    expect(labelAt(DECIDED + 14 * DAY_MS - 1).converted).toBe(true);
  });

  it('does not count an outcome at exactly the end of the window', () => {
    expect(labelAt(DECIDED + 14 * DAY_MS).converted).toBe(false);
  });

  it('does not count an outcome before the decision', () => {
    expect(labelAt(DECIDED - 1).converted).toBe(false);
  });

  it('follows the configured window length', () => {
    const late = [outcome(DECIDED + 20 * DAY_MS)];

    expect(labelDecisions([decision()], late, WINDOW)[0].converted).toBe(false);
    expect(
      labelDecisions([decision()], late, { ...WINDOW, windowMs: 21 * DAY_MS })[0].converted,
    ).toBe(true);
  });

  it('takes the first outcome in the window among several, in any order', () => {
    const outcomes = [
      outcome(DECIDED + 9 * DAY_MS),
      outcome(DECIDED - 2 * DAY_MS),
      outcome(DECIDED + 3 * DAY_MS),
    ];

    expect(labelDecisions([decision()], outcomes, WINDOW)[0].convertedAt).toBe(
      DECIDED + 3 * DAY_MS,
    );
  });

  it("ignores another customer's outcomes", () => {
    const labelled = labelDecisions(
      [decision()],
      [outcome(DECIDED + 1, { customerId: 'c2' })],
      WINDOW,
    );

    expect(labelled[0].converted).toBe(false);
  });

  it('counts an outcome that names a decision for that decision only', () => {
    const decisions = [decision({ id: 'mail' }), decision({ id: 'ad', action: 'ad', rule: 'r2' })];
    const named = [outcome(DECIDED + DAY_MS, { decisionId: 'mail' })];

    expect(labelDecisions(decisions, named, WINDOW).map((d) => d.converted)).toEqual([true, false]);
  });

  it('looks past an outcome of another decision to a later one that counts', () => {
    const outcomes = [
      outcome(DECIDED + DAY_MS, { decisionId: 'other' }),
      outcome(DECIDED + 2 * DAY_MS),
    ];

    expect(labelDecisions([decision()], outcomes, WINDOW)[0].convertedAt).toBe(
      DECIDED + 2 * DAY_MS,
    );
  });

  it('marks a window still running without an outcome as open, and one with an outcome as final', () => {
    const now = DECIDED + 5 * DAY_MS;
    const pending = labelDecisions([decision()], [], { ...WINDOW, now })[0];
    const done = labelDecisions([decision()], [outcome(DECIDED + DAY_MS)], { ...WINDOW, now })[0];
    const closed = labelDecisions([decision()], [], { ...WINDOW, now: DECIDED + 14 * DAY_MS })[0];

    expect(pending).toMatchObject({ converted: false, open: true });
    expect(done).toMatchObject({ converted: true, open: false });
    expect(closed.open).toBe(false);
  });
});

describe('exposures', () => {
  it('groups the decisions of one run and customer, and tells contacted from held out', () => {
    const labelled = labelDecisions(
      [
        decision({ id: 'a' }),
        decision({ id: 'b', action: 'ad' }),
        decision({ id: 'c', runId: 'run-2' }),
        decision({ id: 'rt1', runId: null }),
        decision({ id: 'rt2', runId: null }),
        decision({ id: 'h', customerId: 'c2', status: 'holdout' }),
      ],
      [],
      WINDOW,
    );

    const groups = exposures(labelled);

    expect(groups.map((g) => [g.decisions.map((d) => d.id).join('+'), g.treated])).toEqual([
      ['a+b', true],
      ['c', true],
      ['rt1', true],
      ['rt2', true],
      ['h', false],
    ]);
  });
});
