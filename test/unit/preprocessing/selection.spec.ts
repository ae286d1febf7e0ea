import { createRandom } from '../../../src/common/random';
import { FeatureMatrix } from '../../../src/plugins/contract';
import {
  anovaFScores,
  chi2Scores,
  continuousMutualInfo,
  discreteMutualInfo,
  minMaxView,
  mutualInfoScores,
  selectKBest,
} from '../../../src/modules/preprocessing/selection';

/** Builds a row-major matrix from columns. */
function fromColumns(...columns: number[][]): FeatureMatrix {
  const rows = columns[0].length;
  const cols = columns.length;
  const values = new Float64Array(rows * cols);
  columns.forEach((column, j) => column.forEach((value, i) => (values[i * cols + j] = value)));

  return { rows, cols, values };
}

// Five customers, the first two responded.
const labels = Uint8Array.from([1, 1, 0, 0, 0]);
const red = [1, 1, 0, 0, 1];
const blue = [0, 0, 1, 1, 0];
const spend = [7, 9, 10, 11, 13];

describe('minMaxView', () => {
  it('scales flagged columns to [0, 1] and leaves indicators alone', () => {
    // (x − 7) / (13 − 7): 0, 1/3, 1/2, 2/3, 1; a constant column becomes 0.
    const view = minMaxView(fromColumns(red, spend, [5, 5, 5, 5, 5]), [false, true, true]);

    expect(Array.from(view.values)).toEqual([
      1,
      0,
      0,
      1,
      1 / 3,
      0,
      0,
      0.5,
      0,
      0,
      2 / 3,
      0,
      1,
      1,
      0,
    ]);
  });
});

describe('chi2Scores', () => {
  it('matches the values worked out by hand', () => {
    // n = 5, positives 2 (share 0.4), negatives 3 (share 0.6).
    // red:  total 3, observed (pos, neg) = (2, 1), expected (1.2, 1.8):
    //       0.8² / 1.2 + 0.8² / 1.8 = 8/9.
    // blue: total 2, observed (0, 2), expected (0.8, 1.2): 0.8²/0.8 + 0.8²/1.2 = 4/3.
    // spend scaled to 0, 1/3, 1/2, 2/3, 1: total 2.5, observed (1/3, 13/6), expected
    //       (1, 1.5): (2/3)² / 1 + (2/3)² / 1.5 = 4/9 + 8/27 = 20/27.
    const scaled = [0, 1 / 3, 1 / 2, 2 / 3, 1];
    const scores = chi2Scores(fromColumns(red, blue, scaled), labels);

    expect(scores[0]).toBeCloseTo(8 / 9, 12);
    expect(scores[1]).toBeCloseTo(4 / 3, 12);
    expect(scores[2]).toBeCloseTo(20 / 27, 12);
  });

  it('scores an all-zero feature and a one-class label 0', () => {
    expect(Array.from(chi2Scores(fromColumns([0, 0, 0, 0, 0]), labels))).toEqual([0]);
    expect(Array.from(chi2Scores(fromColumns(red), new Uint8Array(5)))).toEqual([0]);
  });
});

describe('anovaFScores', () => {
  it('matches the values worked out by hand', () => {
    // spend: class means 8 (7, 9) and 34/3 (10, 11, 13), grand mean 10.
    //   between = 2·(8 − 10)² + 3·(34/3 − 10)² = 8 + 16/3 = 40/3, over 1 degree of freedom;
    //   within = (1 + 1) + (16 + 1 + 25)/9 = 20/3, over 5 − 2 = 3: 20/9.
    //   F = (40/3) / (20/9) = 6.
    // red: class means 1 and 1/3, grand mean 3/5.
    //   between = 2·0.4² + 3·(4/15)² = 8/15; within = 0 + 2/9 + 4/9 = 2/3, over 3: 2/9.
    //   F = (8/15) / (2/9) = 2.4.
    const scores = anovaFScores(fromColumns(spend, red), labels);

    expect(scores[0]).toBeCloseTo(6, 12);
    expect(scores[1]).toBeCloseTo(2.4, 12);
  });

  it('gives a perfectly separating feature +∞ and a constant one 0', () => {
    const scores = anovaFScores(fromColumns([1, 1, 0, 0, 0], [3, 3, 3, 3, 3]), labels);

    expect(Array.from(scores)).toEqual([Infinity, 0]);
  });

  it('does not change under an affine rescaling of a feature', () => {
    const rescaled = spend.map((x) => (x - 10) / 2);

    expect(anovaFScores(fromColumns(rescaled), labels)[0]).toBeCloseTo(6, 10);
  });
});

describe('mutual information', () => {
  it('computes the discrete value from the contingency table', () => {
    // red vs label: p(1,1) = 2/5, p(1,0) = 1/5, p(0,0) = 2/5, p(0,1) = 0;
    // p(red=1) = 3/5, p(pos) = 2/5.
    // I = 2/5·ln((2/5)/(3/5·2/5)) + 1/5·ln((1/5)/(3/5·3/5)) + 2/5·ln((2/5)/(2/5·3/5))
    //   = 0.8·ln(5/3) + 0.2·ln(5/9) ≈ 0.291103.
    const expected = 0.8 * Math.log(5 / 3) + 0.2 * Math.log(5 / 9);

    expect(discreteMutualInfo(Float64Array.from(red), labels)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.291103, 6);
  });

  it('reaches H(Y) = ln 2 for a many-valued feature that determines the label', () => {
    // Values 0 and 1 only with the negatives, 2 only with the positives; each class has half.
    const column = Float64Array.from([0, 1, 2, 2]);

    expect(discreteMutualInfo(column, Uint8Array.from([0, 0, 1, 1]))).toBeCloseTo(Math.log(2), 12);
  });

  it('computes the nearest-neighbour estimate worked out by hand (one neighbour)', () => {
    // Classes {0, 1, 3} and {10, 11, 13}: neighbour distances 1, 1, 2 in each class, and
    // no other point is strictly closer, so every m = 1:
    // I = ψ(6) + ψ(1) − ψ(3) − ψ(1) = 1/3 + 1/4 + 1/5 = 47/60.
    const column = Float64Array.from([0, 1, 3, 10, 11, 13]);
    const classes = Uint8Array.from([0, 0, 0, 1, 1, 1]);

    expect(continuousMutualInfo(column, classes, 1)).toBeCloseTo(47 / 60, 12);
  });

  it('reports a negative estimate as 0', () => {
    // {0, 2} vs {1, 3}: r = 2 for all, m = 2, 3, 3, 2; ψ(4) + ψ(1) − ψ(2) − ⟨ψ(m)⟩
    // = 11/6 − 1 − (1 + 1.5)/2 = −5/12 → 0.
    const column = Float64Array.from([0, 1, 2, 3]);
    const classes = Uint8Array.from([0, 1, 0, 1]);

    expect(continuousMutualInfo(column, classes, 1)).toBe(0);
  });

  it('estimates two overlapping Gaussian classes close to the integrated value', () => {
    // X | y=0 ~ N(0, 1), X | y=1 ~ N(1.5, 1), equal shares; the exact I(X; Y) comes from
    // integrating Σ_y p(y) φ_y(x) ln(φ_y(x) / p(x)) numerically.
    const shift = 1.5;
    const density = (x: number, mu: number): number =>
      Math.exp(-((x - mu) ** 2) / 2) / Math.sqrt(2 * Math.PI);
    let exact = 0;
    for (let x = -12; x <= 14; x += 0.001) {
      const p0 = density(x, 0);
      const p1 = density(x, shift);
      const px = (p0 + p1) / 2;
      exact += 0.001 * 0.5 * (p0 * Math.log(p0 / px) + p1 * Math.log(p1 / px));
    }

    const random = createRandom(7);
    const n = 4000;
    const classes = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const column = Float64Array.from(classes, (y) => random.normal() + y * shift);
    const matrix: FeatureMatrix = { rows: n, cols: 1, values: column };

    const estimate = mutualInfoScores(matrix, classes, [false])[0];

    expect(exact).toBeCloseTo(0.2212, 3);
    expect(Math.abs(estimate - exact)).toBeLessThan(0.02);
  });

  it('gives a feature unrelated to the label almost nothing', () => {
    const random = createRandom(11);
    const n = 4000;
    const classes = Uint8Array.from({ length: n }, () => (random.next() < 0.3 ? 1 : 0));
    const noise = Float64Array.from({ length: n }, () => random.normal());

    expect(mutualInfoScores({ rows: n, cols: 1, values: noise }, classes, [false])[0]).toBeLessThan(
      0.01,
    );
  });

  it('gives the same scores on every call (the tie-breaking jitter is seeded)', () => {
    const matrix = fromColumns([1, 2, 2, 2, 3, 3, 4, 5], [0, 1, 0, 1, 0, 1, 1, 1]);
    const classes = Uint8Array.from([0, 0, 0, 1, 0, 1, 1, 1]);
    const first = mutualInfoScores(matrix, classes, [false, true]);

    expect(Array.from(mutualInfoScores(matrix, classes, [false, true]))).toEqual(Array.from(first));
    expect(first[0]).toBeGreaterThan(0);
  });
});

describe('selectKBest', () => {
  it('keeps the k best in their original order, earlier feature first on a tie', () => {
    const scores = Float64Array.from([0.5, 3, 0.5, Infinity, 1]);

    expect(Array.from(selectKBest(scores, 3))).toEqual([1, 3, 4]);
    expect(Array.from(selectKBest(scores, 4))).toEqual([0, 1, 3, 4]);
  });

  it('keeps all features when k exceeds their number', () => {
    expect(Array.from(selectKBest(Float64Array.from([2, 1]), 10))).toEqual([0, 1]);
  });
});
