import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stratifiedSplit } from '../../../src/modules/models/evaluation/split';
import {
  approximateMode,
  LegacyRandomState,
  sklearnStratifiedSplit,
} from '../../../src/modules/models/evaluation/sklearn-compat';
import { sharedData } from '../../support/app';

/** Figures written by test/fixtures/evaluation/make_sklearn_split.py with scikit-learn 1.2.1. */
interface Figures {
  generator: {
    raw: Record<string, { first10: number[]; output625: number }>;
    permutation10Seed42: number[];
    permutations: { seed: number; n: number; order: number[] }[];
    choice: { seed: number; items: number[]; size: number; chosen: number[] }[];
  };
  approximateMode: { counts: number[]; draws: number; seed: number; drawn: number[] }[];
  cases: {
    name: string;
    labels: number[];
    splits: {
      testShare: number;
      seed: number;
      refused?: boolean;
      train?: number[];
      test?: number[];
    }[];
  }[];
  bankFull: {
    rows: number;
    positives: number;
    testShare: number;
    seed: number;
    testRows: number;
    testPositives: number;
    testIndexSum: number;
    first20: number[];
  };
}

const figures: Figures = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/evaluation/sklearn-split.json'), 'utf8'),
);

describe('LegacyRandomState', () => {
  it('gives numpy RandomState(seed)’s 32-bit outputs, across a state regeneration', () => {
    for (const [seed, expected] of Object.entries(figures.generator.raw)) {
      const random = new LegacyRandomState(Number(seed));
      const first10 = Array.from({ length: 10 }, () => random.nextUint32());
      for (let i = 10; i < 624; i++) random.nextUint32();

      expect(first10).toEqual(expected.first10);
      expect(random.nextUint32()).toBe(expected.output625);
    }
    // The best-known figure of all: MT19937 seeded with 42 starts at 1608637542.
    expect(figures.generator.raw['42'].first10[0]).toBe(1608637542);
  });

  it('permutes as numpy’s legacy permutation does', () => {
    expect([...new LegacyRandomState(42).permutation(10)]).toEqual([8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    expect(figures.generator.permutation10Seed42).toEqual([8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);

    for (const { seed, n, order } of figures.generator.permutations) {
      expect([...new LegacyRandomState(seed).permutation(n)]).toEqual(order);
    }
  });

  it('chooses without replacement as numpy’s legacy choice does', () => {
    for (const { seed, items, size, chosen } of figures.generator.choice) {
      expect(new LegacyRandomState(seed).choice(items, size)).toEqual(chosen);
    }
  });

  it('refuses a seed numpy would refuse', () => {
    for (const seed of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => new LegacyRandomState(seed)).toThrow(
        expect.objectContaining({ code: 'split_seed_invalid' }),
      );
    }
  });
});

describe('approximateMode', () => {
  it('allots and breaks ties as scikit-learn’s _approximate_mode does', () => {
    for (const { counts, draws, seed, drawn } of figures.approximateMode) {
      expect(approximateMode(counts, draws, new LegacyRandomState(seed))).toEqual(drawn);
    }
    // [5, 5] with 5 draws is a tie that the seed has to break, and it does not always
    // break it the same way.
    const tie = figures.approximateMode.filter((c) => c.counts.join() === '5,5');
    expect(new Set(tie.map((c) => c.drawn.join()))).toEqual(new Set(['2,3', '3,2']));
  });
});

describe('sklearnStratifiedSplit', () => {
  it('returns the rows of train_test_split(..., stratify=y) in its order', () => {
    let compared = 0;
    for (const { name, labels, splits } of figures.cases) {
      for (const { testShare, seed, refused, train, test } of splits) {
        const args = { testShare, seed };
        if (refused) {
          expect(() => sklearnStratifiedSplit(labels, args)).toThrow(
            expect.objectContaining({ code: 'split_too_few_rows' }),
          );
          continue;
        }

        const split = sklearnStratifiedSplit(labels, args);

        expect({ name, ...args, test: [...split.test] }).toEqual({ name, ...args, test });
        expect({ name, ...args, train: [...split.train] }).toEqual({ name, ...args, train });
        compared++;
      }
    }

    expect(compared).toBe(198);
  });

  it('gives stratifiedSplit the same rows, sorted, for 0/1 labels', () => {
    for (const { labels, splits } of figures.cases) {
      if (labels.some((label) => label > 1)) continue;

      for (const { testShare, seed, test } of splits) {
        if (!test) continue;

        const split = stratifiedSplit(Uint8Array.from(labels), { testShare, seed });

        expect([...split.test]).toEqual([...test].sort((a, b) => a - b));
      }
    }
  });

  it('refuses a class with a single row', () => {
    expect(() => sklearnStratifiedSplit([0, 0, 0, 1, 0, 0], { testShare: 0.5, seed: 1 })).toThrow(
      expect.objectContaining({ code: 'split_too_few_rows' }),
    );
  });
});

describe('stratifiedSplit on bank-full.csv', () => {
  const lines = readFileSync(sharedData('bank-marketing', 'bank-full.csv'), 'utf8').split('\n');
  const rows = lines.slice(1).filter((line) => line.length > 0);
  const labels = Uint8Array.from(rows, (line) => (line.endsWith(';"yes"') ? 1 : 0));
  const bank = figures.bankFull;

  it('holds out the customers scikit-learn holds out with seed 42', () => {
    const args = { testShare: bank.testShare, seed: bank.seed };
    const ordered = sklearnStratifiedSplit(labels, args);
    const sorted = stratifiedSplit(labels, args);

    expect(labels.length).toBe(bank.rows);
    expect(labels.reduce((sum, label) => sum + label, 0)).toBe(bank.positives);
    expect(ordered.test.length).toBe(9043);
    expect(bank.testRows).toBe(9043);
    expect(ordered.test.reduce((sum, row) => sum + row, 0)).toBe(bank.testIndexSum);
    expect(ordered.test.reduce((sum, row) => sum + labels[row], 0)).toBe(bank.testPositives);
    expect([...ordered.test.subarray(0, 20)]).toEqual(bank.first20);
    expect(sorted.test.reduce((sum, row) => sum + row, 0)).toBe(bank.testIndexSum);
    expect(sorted.train.length).toBe(bank.rows - 9043);
  });
});
