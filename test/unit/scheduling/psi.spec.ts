import {
  DriftTally,
  binValue,
  featureReferences,
} from '../../../src/modules/scheduling/drift-measure';
import {
  BinTally,
  categoricalReference,
  numericBin,
  numericReference,
  populationStabilityIndex,
  quantileCuts,
} from '../../../src/modules/scheduling/psi';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('quantile bins', () => {
  it('cuts 1…100 into ten bins of ten values, a missing bin last', () => {
    const reference = numericReference(oneToHundred);

    expect(reference.cuts).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(reference.shares).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0]);
  });

  it('keeps a repeated cut once, so a mostly-zero column gets two bins', () => {
    const values = [...new Array(90).fill(0), ...new Array(10).fill(1)];

    expect(quantileCuts(values)).toEqual([0]);
    expect(numericReference(values).shares).toEqual([0.9, 0.1, 0]);
  });

  it('takes the value at rank ⌈k·n/10⌉ when n is not a multiple of ten', () => {
    // n = 7: ranks 1, 2, 3, 3, 4, 5, 5, 6, 7 → the repeated 3 and 5 are kept once.
    expect(quantileCuts([7, 1, 6, 2, 5, 3, 4])).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('puts a value equal to a cut in the lower bin and NaN in the missing bin', () => {
    const cuts = [10, 20, 30];

    expect([5, 10, 10.5, 30, 31, NaN].map((v) => numericBin(v, cuts))).toEqual([0, 0, 1, 2, 3, 4]);
  });
});

describe('population stability index', () => {
  it('is 0 for the same shares', () => {
    const tally = new BinTally(numericReference(oneToHundred));
    oneToHundred.forEach((v) => tally.add(v));

    expect(tally.psi()).toBe(0);
  });

  it('matches the hand-computed figure when half the values move to the first two deciles', () => {
    const tally = new BinTally(numericReference(oneToHundred));
    for (let i = 0; i < 5; i++) {
      for (let v = 1; v <= 20; v++) tally.add(v);
    }

    // Bins 1 and 2: 2 × (0.5 − 0.1) × ln(0.5 / 0.1) = 0.8 × 1.6094379 = 1.2875503.
    // Bins 3…10 are empty (ε = 1e-4): 8 × (1e-4 − 0.1) × ln(1e-4 / 0.1) = 8 × 0.6900848
    // = 5.5206780. The missing bin is empty on both sides and adds 0. Total 6.8082283.
    expect(tally.shares()).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(tally.psi()).toBeCloseTo(6.8082283, 6);
  });

  it('compares category shares', () => {
    const reference = categoricalReference([
      ...new Array(50).fill('a'),
      ...new Array(30).fill('b'),
      ...new Array(20).fill('c'),
    ]);
    const actual = [0.3, 0.3, 0.4, 0, 0];

    expect(reference.categories).toEqual(['a', 'b', 'c']);
    expect(reference.shares).toEqual([0.5, 0.3, 0.2, 0, 0]);
    // (0.3 − 0.5) ln(0.3/0.5) + 0 + (0.4 − 0.2) ln(0.4/0.2) = 0.1021651 + 0.1386294.
    expect(populationStabilityIndex(reference.shares, actual)).toBeCloseTo(0.2407946, 6);
  });

  it('counts unseen categories and missing values in their own bins', () => {
    const reference = categoricalReference([
      ...new Array(50).fill('a'),
      ...new Array(30).fill('b'),
      ...new Array(20).fill('c'),
    ]);
    const tally = new BinTally(reference);
    [...new Array(50).fill('a'), ...new Array(30).fill('b')].forEach((v) => tally.add(v));
    [...new Array(10).fill('d'), ...new Array(10).fill(null)].forEach((v) => tally.add(v));

    // c vanished: (1e-4 − 0.2) ln(1e-4/0.2) = 1.5194204; unseen and missing, 0.1 each where
    // training had none: 2 × (0.1 − 1e-4) ln(0.1/1e-4) = 1.3801695. Total 2.8995899.
    expect(tally.shares()).toEqual([0.5, 0.3, 0, 0.1, 0.1]);
    expect(tally.psi()).toBeCloseTo(2.8995899, 6);
  });

  it('keeps the 50 most frequent categories and pools the rest as unseen', () => {
    const values = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const reference = categoricalReference([...values, 'c59', 'c59']);

    expect(reference.categories).toHaveLength(50);
    expect(reference.categories[0]).toBe('c59');
    expect(reference.shares[50]).toBeCloseTo(10 / 62, 12);
  });
});

describe('drift of a scoring run', () => {
  it('bins each input column by its type and reports the largest PSI', () => {
    const training = oneToHundred.map((age, i) => ({
      age,
      job: i % 2 === 0 ? 'admin' : 'services',
      housing: i < 50,
    }));
    const features = featureReferences(
      [
        { name: 'age', type: 'numeric' },
        { name: 'job', type: 'categorical' },
        { name: 'housing', type: 'boolean' },
      ],
      training,
    );
    const tally = new DriftTally(features, numericReference(oneToHundred.map((v) => v / 100)));
    // Today: the same jobs and housing, but everyone is 1 to 20 years old.
    const today = training.map((record, i) => ({ ...record, age: (i % 20) + 1 }));
    tally.add(
      today,
      Float64Array.from(oneToHundred, (v) => v / 100),
    );
    const figures = tally.figures();

    expect(features.map((f) => f.bins.kind)).toEqual(['numeric', 'categorical', 'categorical']);
    expect(figures.rows).toBe(100);
    expect(figures.features.map((f) => [f.name, Number(f.psi.toFixed(7))])).toEqual([
      ['age', 6.8082283],
      ['job', 0],
      ['housing', 0],
    ]);
    expect(figures.scorePsi).toBe(0);
    expect(figures.maxFeature).toBe('age');
    expect(figures.drift).toBeCloseTo(6.8082283, 6);
  });

  it('reads booleans, dates and text the way the pipeline does', () => {
    expect(binValue('yes', 'boolean')).toBe('true');
    expect(binValue(0, 'boolean')).toBe('false');
    expect(binValue('maybe', 'boolean')).toBeNull();
    expect(binValue('1970-01-11', 'date')).toBe(10);
    expect(binValue(' 42 ', 'numeric')).toBe(42);
    expect(binValue('', 'categorical')).toBeNull();
  });
});
