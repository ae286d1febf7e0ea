import {
  decideRetraining,
  lowerIsBetter,
  trainingDataGuards,
} from '../../../src/modules/scheduling/retraining-decision';

const base = { metric: 'rocAuc' as const, margin: 0.002, maxEceIncrease: 0.02 };
const champion = { version: 3, value: 0.8, ece: 0.03 };

describe('decideRetraining', () => {
  it('promotes a challenger that beats the champion by the margin, quoting both figures', () => {
    const decision = decideRetraining({
      ...base,
      champion,
      challengers: [{ label: 'logistic', value: 0.85, ece: 0.02 }],
    });

    expect(decision.action).toBe('promote');
    expect(decision.improvement).toBeCloseTo(0.05, 12);
    expect(decision.reason).toBe(
      'challenger logistic rocAuc 0.8500 vs champion version 3 0.8000 (+0.0500, at least the ' +
        'margin 0.0020); ECE 0.0200 vs 0.0300',
    );
  });

  it('keeps the champion when the gain is below the margin, or there is none', () => {
    const small = decideRetraining({
      ...base,
      champion,
      challengers: [{ label: 'logistic', value: 0.8015, ece: 0.03 }],
    });
    const equal = decideRetraining({
      ...base,
      margin: 0,
      champion,
      challengers: [{ label: 'logistic', value: 0.8, ece: 0.03 }],
    });

    expect(small.action).toBe('keep');
    expect(small.reason).toContain('(+0.0015, less than the margin 0.0020)');
    expect(equal.action).toBe('keep');
  });

  it('reads log loss and Brier score as lower-is-better', () => {
    const decision = decideRetraining({
      ...base,
      metric: 'logLoss',
      champion: { version: 1, value: 0.3, ece: 0.01 },
      challengers: [
        { label: 'worse', value: 0.31, ece: 0.01 },
        { label: 'better', value: 0.29, ece: 0.01 },
      ],
    });

    expect(lowerIsBetter('brier')).toBe(true);
    expect(lowerIsBetter('prAuc')).toBe(false);
    expect(decision.chosen).toBe(1);
    expect(decision.action).toBe('promote');
    expect(decision.improvement).toBeCloseTo(0.01, 12);
    expect(decision.reason).toContain('lower is better');
  });

  it('keeps a better challenger whose calibration error is too much worse', () => {
    const decision = decideRetraining({
      ...base,
      champion,
      challengers: [{ label: 'svm', value: 0.9, ece: 0.0501 }],
    });

    expect(decision.action).toBe('keep');
    expect(decision.guards).toEqual([
      expect.objectContaining({ guard: 'calibration', passed: false }),
    ]);
    expect(decision.reason).toContain('calibration error 0.0501 is worse than the champion');
  });

  it('chooses the best challenger that passes its guard over a better one that does not', () => {
    const decision = decideRetraining({
      ...base,
      champion,
      challengers: [
        { label: 'svm', value: 0.9, ece: 0.2 },
        { label: 'logistic', value: 0.86, ece: 0.03 },
        { label: 'neural', value: 0.84, ece: 0.01 },
      ],
    });

    expect(decision.chosen).toBe(1);
    expect(decision.action).toBe('promote');
  });

  it('makes the best challenger the first champion of a model without one', () => {
    const decision = decideRetraining({
      ...base,
      champion: null,
      challengers: [
        { label: 'svm', value: 0.7, ece: 0.05 },
        { label: 'logistic', value: 0.75, ece: 0.05 },
      ],
    });

    expect(decision).toMatchObject({ action: 'promote', chosen: 1, improvement: null });
    expect(decision.reason).toContain('no champion yet');
  });
});

describe('trainingDataGuards', () => {
  const guards = { minRows: 1000, requireBothClasses: true, maxEceIncrease: 0.02 };

  it('fails on too few rows and on a single outcome', () => {
    expect(trainingDataGuards({ rows: 999, positives: 100, guards })).toEqual([
      { guard: 'min_rows', passed: false, detail: '999 labelled rows, at least 1000 required' },
      { guard: 'both_classes', passed: true, detail: '100 positive and 899 negative rows' },
    ]);
    expect(trainingDataGuards({ rows: 4000, positives: 0, guards })[1]).toEqual({
      guard: 'both_classes',
      passed: false,
      detail: '0 positive and 4000 negative rows',
    });
  });

  it('leaves the class check out when the schedule turns it off', () => {
    const results = trainingDataGuards({
      rows: 4000,
      positives: 0,
      guards: { ...guards, requireBothClasses: false },
    });

    expect(results.map((r) => r.guard)).toEqual(['min_rows']);
  });
});
