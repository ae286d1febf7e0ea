import { UserError } from '../../../src/common/errors';
import { stratifiedKFold, stratifiedSplit } from '../../../src/modules/models/evaluation';

/** `rows` labels of which `positives` are 1, spread through the rows (every k-th row). */
function spreadLabels(rows: number, positives: number): Uint8Array {
  const labels = new Uint8Array(rows);
  for (let k = 0; k < positives; k++) labels[Math.floor((k * rows) / positives)] = 1;

  return labels;
}

function countOnes(labels: Uint8Array, rows: Uint32Array): number {
  let ones = 0;
  for (const row of rows) ones += labels[row];

  return ones;
}

describe('stratifiedSplit', () => {
  const labels = spreadLabels(1000, 137);

  it('allots each class its share of the rows, training part first, as scikit-learn does', () => {
    const { train, test } = stratifiedSplit(labels, { testShare: 0.25, seed: 7 });

    // ⌈1000 × 0.25⌉ = 250 test rows, so 750 training rows: negatives 863 × 0.75 = 647.25,
    // positives 137 × 0.75 = 102.75; the one row left over goes to the larger remainder, so
    // training holds 647 + 103 and the test part the other 216 + 34.
    expect(test.length).toBe(250);
    expect(countOnes(labels, test)).toBe(34);
    expect(train.length).toBe(750);
    expect(countOnes(labels, train)).toBe(103);
    // At the overall rate 250 test rows would hold 250 × 0.137 = 34.25 positives.
    expect(Math.abs(countOnes(labels, test) - test.length * 0.137)).toBeLessThan(1);
  });

  it('keeps the class ratio within one row for many shares', () => {
    for (const testShare of [0.1, 0.2, 0.3, 0.33, 0.5, 0.77]) {
      const { test } = stratifiedSplit(labels, { testShare, seed: 1 });

      expect(Math.abs(countOnes(labels, test) - test.length * 0.137)).toBeLessThan(1);
    }
  });

  it('is disjoint, complete and sorted', () => {
    const { train, test } = stratifiedSplit(labels, { testShare: 0.3, seed: 3 });
    const all = [...train, ...test].sort((a, b) => a - b);

    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...test]).toEqual([...test].sort((a, b) => a - b));
    expect([...train]).toEqual([...train].sort((a, b) => a - b));
  });

  it('repeats per seed and changes with it', () => {
    const first = stratifiedSplit(labels, { testShare: 0.2, seed: 42 });
    const again = stratifiedSplit(labels, { testShare: 0.2, seed: 42 });
    const other = stratifiedSplit(labels, { testShare: 0.2, seed: 43 });

    expect(again.test).toEqual(first.test);
    expect(again.train).toEqual(first.train);
    expect(other.test).not.toEqual(first.test);
  });

  it('refuses a share outside (0, 1) and a split that leaves a part empty', () => {
    for (const testShare of [0, 1, -0.1, Number.NaN]) {
      expect(() => stratifiedSplit(labels, { testShare, seed: 1 })).toThrow(
        expect.objectContaining({ code: 'split_test_share_invalid' }),
      );
    }
    // Two rows, one per class: a class of one row cannot be in both parts.
    expect(() => stratifiedSplit(Uint8Array.of(0, 1), { testShare: 0.1, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'split_too_few_rows' }),
    );
    expect(() => stratifiedSplit(Uint8Array.of(0, 2, 1), { testShare: 0.5, seed: 1 })).toThrow(
      UserError,
    );
  });
});

describe('stratifiedKFold', () => {
  const labels = spreadLabels(103, 31);

  it('partitions the rows, with even fold sizes and class counts', () => {
    const folds = stratifiedKFold(labels, { folds: 5, seed: 11 });
    const all = folds.flatMap((fold) => [...fold]).sort((a, b) => a - b);

    expect(folds).toHaveLength(5);
    expect(all).toEqual(Array.from({ length: 103 }, (_, i) => i));
    // 103 = 5 × 20 + 3: three folds of 21 rows and two of 20.
    expect(folds.map((fold) => fold.length).sort((a, b) => a - b)).toEqual([20, 20, 21, 21, 21]);
    // 31 = 5 × 6 + 1 positives: one fold holds 7, the others 6.
    expect(folds.map((fold) => countOnes(labels, fold)).sort((a, b) => a - b)).toEqual([
      6, 6, 6, 6, 7,
    ]);
  });

  it('repeats per seed and changes with it', () => {
    const first = stratifiedKFold(labels, { folds: 4, seed: 5 });

    expect(stratifiedKFold(labels, { folds: 4, seed: 5 })).toEqual(first);
    expect(stratifiedKFold(labels, { folds: 4, seed: 6 })).not.toEqual(first);
  });

  it('refuses fewer than 2 folds and more folds than rows', () => {
    expect(() => stratifiedKFold(labels, { folds: 1, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'split_folds_invalid' }),
    );
    expect(() => stratifiedKFold(labels, { folds: 2.5, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'split_folds_invalid' }),
    );
    expect(() => stratifiedKFold(Uint8Array.of(0, 1, 1), { folds: 4, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'split_too_few_rows' }),
    );
  });
});
