import { createRandom } from '../../../src/common/random';
import {
  bestF1Threshold,
  brierScore,
  calibrationTable,
  confusionAt,
  decileTable,
  evaluate,
  expectedCalibrationError,
  logLoss,
  prAuc,
  rocAuc,
  rocCurve,
} from '../../../src/modules/models/evaluation';

const labelsOf = (...values: number[]) => Uint8Array.from(values);
const valuesOf = (...values: number[]) => Float64Array.from(values);

describe('rocAuc', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc(labelsOf(1, 1, 0, 0), valuesOf(0.9, 0.8, 0.3, 0.1))).toBe(1);
    expect(rocAuc(labelsOf(1, 1, 0, 0), valuesOf(0.1, 0.3, 0.8, 0.9))).toBe(0);
  });

  it('counts a tied positive–negative pair as one half', () => {
    // Pairs (positive, negative): (0.8, 0.8) tie = 0.5, (0.8, 0.1) = 1, (0.3, 0.8) = 0,
    // (0.3, 0.1) = 1; (0.5 + 1 + 0 + 1) / 4 = 0.625.
    expect(rocAuc(labelsOf(1, 0, 1, 0), valuesOf(0.8, 0.8, 0.3, 0.1))).toBeCloseTo(0.625, 12);
    // Positives 0.4, 0.8, 0.35 against negatives 0.1, 0.35: 0.4 wins both, 0.8 wins both,
    // 0.35 beats 0.1 and ties 0.35; (2 + 2 + 1.5) / 6 = 0.91667.
    expect(rocAuc(labelsOf(0, 1, 0, 1, 1), valuesOf(0.1, 0.4, 0.35, 0.8, 0.35))).toBeCloseTo(
      5.5 / 6,
      12,
    );
    // All scores equal: every pair is a tie.
    expect(rocAuc(labelsOf(1, 0, 0, 1), valuesOf(0.5, 0.5, 0.5, 0.5))).toBe(0.5);
  });

  it('is NaN when a class is missing', () => {
    expect(rocAuc(labelsOf(1, 1), valuesOf(0.2, 0.9))).toBeNaN();
    expect(rocAuc(labelsOf(0, 0), valuesOf(0.2, 0.9))).toBeNaN();
  });

  it('agrees with a pair count on random rows with ties, and finds the known AUC of 45,000', () => {
    const random = createRandom(2024);
    const rows = 45000;
    const labels = new Uint8Array(rows);
    const scores = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      labels[i] = random.next() < 0.3 ? 1 : 0;
      // Positives ~ N(1, 1), negatives ~ N(0, 1), rounded to 0.1 so that ties are common.
      scores[i] = Math.round((random.normal() + labels[i]) * 10) / 10;
    }

    const subset = 2000;
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < subset; i++) {
      if (labels[i] !== 1) continue;
      for (let j = 0; j < subset; j++) {
        if (labels[j] !== 0) continue;
        pairs++;
        if (scores[i] > scores[j]) wins += 1;
        else if (scores[i] === scores[j]) wins += 0.5;
      }
    }

    expect(rocAuc(labels.subarray(0, subset), scores.subarray(0, subset))).toBeCloseTo(
      wins / pairs,
      12,
    );
    // P(X₁ > X₀) for X₁ − X₀ ~ N(1, 2) is Φ(1/√2) = 0.7602; rounding to 0.1 barely moves it.
    expect(Math.abs(rocAuc(labels, scores) - 0.7602)).toBeLessThan(0.01);
  });
});

describe('prAuc', () => {
  it('sums precision × recall gained at each distinct score', () => {
    // Order 0.8 (+), 0.4 (−), 0.35 (+), 0.1 (−): recall steps 0.5 at precision 1 and 0.5
    // at precision 2/3; 0.5 + 1/3 = 0.8333.
    expect(prAuc(labelsOf(0, 0, 1, 1), valuesOf(0.1, 0.4, 0.35, 0.8))).toBeCloseTo(5 / 6, 12);
  });

  it('lets tied rows enter together', () => {
    // 0.8 holds one positive and one negative: recall 0.5 at precision 0.5; then 0.3 (+):
    // recall 1 at precision 2/3; 0.25 + 1/3 = 0.5833.
    expect(prAuc(labelsOf(1, 0, 1, 0), valuesOf(0.8, 0.8, 0.3, 0.1))).toBeCloseTo(7 / 12, 12);
  });

  it('is NaN without positives and 1 without negatives', () => {
    expect(prAuc(labelsOf(0, 0), valuesOf(0.1, 0.2))).toBeNaN();
    expect(prAuc(labelsOf(1, 1), valuesOf(0.1, 0.2))).toBe(1);
  });
});

describe('logLoss and brierScore', () => {
  it('computes the mean log loss', () => {
    // −(ln 0.8 + ln 0.7 + ln 0.5) / 3 = (0.223144 + 0.356675 + 0.693147) / 3 = 0.424322.
    expect(logLoss(labelsOf(1, 0, 1), valuesOf(0.8, 0.3, 0.5))).toBeCloseTo(0.424322, 6);
  });

  it('clips probabilities at 1e-15', () => {
    // −ln(1e-15) = 15 × ln 10 = 34.538776.
    expect(logLoss(labelsOf(1), valuesOf(0))).toBeCloseTo(34.538776, 5);
    expect(logLoss(labelsOf(0), valuesOf(1))).toBeCloseTo(34.538776, 1);
    expect(logLoss(labelsOf(1, 0), valuesOf(1, 0))).toBeLessThan(1e-14);
  });

  it('computes the Brier score', () => {
    // (0.1² + 0.2² + 0.4² + 0.5²) / 4 = (0.01 + 0.04 + 0.16 + 0.25) / 4 = 0.115.
    expect(brierScore(labelsOf(1, 0, 1, 0), valuesOf(0.9, 0.2, 0.6, 0.5))).toBeCloseTo(0.115, 12);
  });
});

describe('bestF1Threshold and confusionAt', () => {
  const labels = labelsOf(1, 1, 0, 1, 0, 0);
  const probabilities = valuesOf(0.9, 0.8, 0.7, 0.6, 0.4, 0.2);

  it('picks the threshold with the highest F1', () => {
    // F1 = 2tp / (tp + fp + 3): at 0.9 → 2/4 = 0.5, 0.8 → 4/5 = 0.8, 0.7 → 4/6 = 0.667,
    // 0.6 → 6/7 = 0.857, 0.4 → 6/8 = 0.75, 0.2 → 6/9 = 0.667. Best: 0.6.
    expect(bestF1Threshold(labels, probabilities)).toBe(0.6);
  });

  it('prefers the higher threshold on equal F1', () => {
    // At 0.9: tp 1, fp 0 → 2/3; at 0.3: tp 2, fp 2 → 4/6 = 2/3; the others are lower.
    expect(bestF1Threshold(labelsOf(1, 0, 0, 1), valuesOf(0.9, 0.5, 0.4, 0.3))).toBe(0.9);
    expect(bestF1Threshold(labelsOf(0, 0), valuesOf(0.9, 0.5))).toBeNaN();
  });

  it('counts a probability equal to the threshold as positive', () => {
    // p >= 0.7: rows 0 (+), 1 (+), 2 (−); below: row 3 (+), rows 4, 5 (−).
    expect(confusionAt(labels, probabilities, 0.7)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
    expect(confusionAt(labels, probabilities, 1.01)).toEqual({ tp: 0, fp: 0, tn: 3, fn: 3 });
    expect(() => confusionAt(labels, probabilities, Number.NaN)).toThrow(
      expect.objectContaining({ code: 'evaluation_threshold_invalid' }),
    );
  });
});

describe('decileTable', () => {
  it('reports each decile of 100 rows with known positives', () => {
    // Rank r (0 = best) has score (100 − r) / 100; rows are stored in a scrambled order
    // (row i has rank 37·i mod 100). In decile d the first positives[d] ranks are positive.
    const positivesPerDecile = [9, 7, 5, 4, 3, 2, 1, 1, 0, 0];
    const labels = new Uint8Array(100);
    const scores = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      const rank = (37 * i) % 100;
      scores[i] = (100 - rank) / 100;
      labels[i] = rank % 10 < positivesPerDecile[Math.floor(rank / 10)] ? 1 : 0;
    }

    const table = decileTable(labels, scores);

    // 32 positives, overall rate 0.32. Decile 3: rate 0.5, lift 0.5/0.32 = 1.5625,
    // cumulative 9 + 7 + 5 = 21, gains 21/32 = 0.65625, cumulative lift (21/30)/0.32 = 2.1875.
    expect(table.map((row) => row.positives)).toEqual(positivesPerDecile);
    expect(table.map((row) => row.customers)).toEqual(new Array(10).fill(10));
    expect(table.map((row) => row.cumulativePositives)).toEqual([
      9, 16, 21, 25, 28, 30, 31, 32, 32, 32,
    ]);
    expect(table[0]).toEqual({
      decile: 1,
      customers: 10,
      positives: 9,
      responseRate: 0.9,
      lift: 2.8125,
      cumulativePositives: 9,
      cumulativeGains: 0.28125,
      cumulativeLift: 2.8125,
      minScore: 0.91,
      maxScore: 1,
    });
    expect(table[2].lift).toBeCloseTo(1.5625, 12);
    expect(table[2].cumulativeGains).toBeCloseTo(0.65625, 12);
    expect(table[2].cumulativeLift).toBeCloseTo(2.1875, 12);
    // Decile 7: cumulative 31 of 70 rows → (31/70)/0.32 = 1.383929.
    expect(table[6].cumulativeLift).toBeCloseTo(1.383929, 6);
    expect(table[9]).toMatchObject({ decile: 10, responseRate: 0, lift: 0, cumulativeLift: 1 });
    expect(table[9]).toMatchObject({ minScore: 0.01, maxScore: 0.1, cumulativeGains: 1 });
  });

  it('cuts rows that do not divide by ten into parts that differ by one', () => {
    // Ends ⌊d·25/10⌋ = 2, 5, 7, 10, 12, 15, 17, 20, 22, 25.
    const table = decileTable(
      new Uint8Array(25).fill(1, 0, 5),
      Float64Array.from({ length: 25 }, (_, i) => -i),
    );

    expect(table.map((row) => row.customers)).toEqual([2, 3, 2, 3, 2, 3, 2, 3, 2, 3]);
    // The 5 positives score highest: 2 in decile 1, 3 in decile 2.
    expect(table.slice(0, 3).map((row) => row.positives)).toEqual([2, 3, 0]);
  });

  it('needs at least 10 rows', () => {
    expect(() => decileTable(labelsOf(1, 0), valuesOf(0.5, 0.4))).toThrow(
      expect.objectContaining({ code: 'evaluation_too_few_rows' }),
    );
  });
});

describe('calibrationTable and expectedCalibrationError', () => {
  const labels = labelsOf(0, 0, 1, 0, 1, 1, 0);
  const probabilities = valuesOf(0.05, 0.1, 0.15, 0.15, 0.95, 1.0, 0.3);

  it('puts each probability in its equal-width bin, 1 in the last', () => {
    const table = calibrationTable(labels, probabilities);

    expect(table).toHaveLength(10);
    expect(table.map((bin) => bin.count)).toEqual([1, 3, 0, 1, 0, 0, 0, 0, 0, 2]);
    // Bin [0.1, 0.2): 0.1, 0.15, 0.15 → mean 0.4/3, one positive of three.
    expect(table[1].lower).toBe(0.1);
    expect(table[1].upper).toBe(0.2);
    expect(table[1].meanPredicted).toBeCloseTo(0.4 / 3, 12);
    expect(table[1].observedRate).toBeCloseTo(1 / 3, 12);
    expect(table[9]).toMatchObject({ lower: 0.9, upper: 1, count: 2, observedRate: 1 });
    expect(table[9].meanPredicted).toBeCloseTo(0.975, 12);
    expect(table[2]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
  });

  it('weights each bin gap by its rows', () => {
    // (1·|0.05 − 0| + 3·|0.1333 − 0.3333| + 1·|0.3 − 0| + 2·|0.975 − 1|) / 7
    // = (0.05 + 0.6 + 0.3 + 0.05) / 7 = 1/7.
    const ece = expectedCalibrationError(calibrationTable(labels, probabilities));

    expect(ece).toBeCloseTo(1 / 7, 12);
  });

  it('takes another number of bins', () => {
    // [0, 0.25): 0.05, 0.1, 0.15, 0.15; [0.25, 0.5): 0.3; [0.75, 1]: 0.95, 1.
    const table = calibrationTable(labels, probabilities, 4);

    expect(table.map((bin) => [bin.lower, bin.count])).toEqual([
      [0, 4],
      [0.25, 1],
      [0.5, 0],
      [0.75, 2],
    ]);
    expect(() => calibrationTable(labels, probabilities, 0)).toThrow(
      expect.objectContaining({ code: 'evaluation_bins_invalid' }),
    );
  });
});

describe('rocCurve', () => {
  it('steps through the distinct scores from (0, 0) to (1, 1)', () => {
    // 0.8 holds one of each class → (0.5, 0.5); 0.3 (+) → (0.5, 1); 0.1 (−) → (1, 1).
    expect(rocCurve(labelsOf(1, 0, 1, 0), valuesOf(0.8, 0.8, 0.3, 0.1))).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(rocCurve(labelsOf(1, 1), valuesOf(0.3, 0.4))).toEqual([]);
  });

  it('thins a long curve to at most maxPoints, keeping both ends and the order', () => {
    const random = createRandom(9);
    const labels = Uint8Array.from({ length: 1000 }, () => (random.next() < 0.4 ? 1 : 0));
    const scores = Float64Array.from(labels, (y) => random.next() + 0.3 * y);

    const full = rocCurve(labels, scores, 10000);
    const thin = rocCurve(labels, scores, 50);

    // 1000 distinct scores → 1001 points; the trapezoids under it add up to the AUC.
    expect(full).toHaveLength(1001);
    let area = 0;
    for (let k = 1; k < full.length; k++) {
      area += ((full[k].fpr - full[k - 1].fpr) * (full[k].tpr + full[k - 1].tpr)) / 2;
    }
    expect(area).toBeCloseTo(rocAuc(labels, scores), 12);
    expect(thin).toHaveLength(50);
    expect(thin[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(thin[49]).toEqual({ fpr: 1, tpr: 1 });
    for (let k = 1; k < thin.length; k++) {
      expect(thin[k].fpr).toBeGreaterThanOrEqual(thin[k - 1].fpr);
      expect(thin[k].tpr).toBeGreaterThanOrEqual(thin[k - 1].tpr);
    }
  });
});

describe('evaluate', () => {
  const labels = labelsOf(1, 1, 0, 1, 0, 0, 1, 0, 0, 0);
  const probabilities = valuesOf(0.9, 0.8, 0.7, 0.6, 0.4, 0.35, 0.3, 0.2, 0.1, 0.05);

  it('reports the measures of ten rows', () => {
    const report = evaluate({ labels, probabilities, threshold: 0.5 });

    // p >= 0.5: rows 0, 1, 3 (+) and 2 (−); below: row 6 (+) and five negatives.
    expect(report.confusion).toEqual({ tp: 3, fp: 1, tn: 5, fn: 1 });
    expect(report).toMatchObject({ rows: 10, positives: 4, positiveRate: 0.4, threshold: 0.5 });
    // accuracy (3 + 5)/10; precision 3/4; recall 3/4; F1 6/(6 + 1 + 1).
    expect(report.accuracy).toBeCloseTo(0.8, 12);
    expect(report.precision).toBeCloseTo(0.75, 12);
    expect(report.recall).toBeCloseTo(0.75, 12);
    expect(report.f1).toBeCloseTo(0.75, 12);
    // Sum of probabilities 4.4 over 10 rows.
    expect(report.meanPredicted).toBeCloseTo(0.44, 12);
    // Positives 0.9, 0.8, 0.6, 0.3 beat 6, 6, 5 and 3 of the 6 negatives: 20/24.
    expect(report.rocAuc).toBeCloseTo(20 / 24, 12);
    // Squared errors 0.01, 0.04, 0.49, 0.16, 0.16, 0.1225, 0.49, 0.04, 0.01, 0.0025 → 1.525.
    expect(report.brier).toBeCloseTo(0.1525, 12);
    expect(report.deciles.map((row) => row.positives)).toEqual([1, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
    expect(report.calibration.map((bin) => bin.count)).toEqual([1, 1, 1, 2, 1, 0, 1, 1, 1, 1]);
    expect(report.roc[report.roc.length - 1]).toEqual({ fpr: 1, tpr: 1 });
  });

  it('is plain JSON that survives a round trip', () => {
    const report = evaluate({ labels, probabilities, threshold: 0.5 });

    // NaN or a typed array would not come back equal.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('refuses rows of one class', () => {
    expect(() =>
      evaluate({ labels: new Uint8Array(10), probabilities: new Float64Array(10), threshold: 0.5 }),
    ).toThrow(expect.objectContaining({ code: 'evaluation_single_class', status: 422 }));
  });

  it('measures 45,000 rows quickly', () => {
    const random = createRandom(45);
    const rows = 45000;
    const labels45k = Uint8Array.from({ length: rows }, () => (random.next() < 0.1 ? 1 : 0));
    const probabilities45k = Float64Array.from(labels45k, (y) => random.next() * (0.6 + 0.4 * y));

    const started = performance.now();
    const report = evaluate({ labels: labels45k, probabilities: probabilities45k, threshold: 0.5 });
    const elapsed = performance.now() - started;

    expect(report.rows).toBe(rows);
    expect(report.deciles.reduce((sum, row) => sum + row.customers, 0)).toBe(rows);
    // A generous bound on a shared machine; it takes tens of milliseconds.
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('input checks', () => {
  it('names the problem and the row', () => {
    expect(() => rocAuc(labelsOf(1, 0), valuesOf(0.5))).toThrow(
      expect.objectContaining({ code: 'evaluation_length_mismatch' }),
    );
    expect(() => rocAuc(labelsOf(), valuesOf())).toThrow(
      expect.objectContaining({ code: 'evaluation_empty' }),
    );
    expect(() => rocAuc(labelsOf(1, 2), valuesOf(0.5, 0.4))).toThrow(
      expect.objectContaining({
        code: 'evaluation_label_invalid',
        details: [expect.objectContaining({ path: 'labels[1]' })],
      }),
    );
    expect(() => rocAuc(labelsOf(1, 0), valuesOf(0.5, Infinity))).toThrow(
      expect.objectContaining({ code: 'evaluation_score_invalid' }),
    );
    expect(() => logLoss(labelsOf(1, 0), valuesOf(Number.NaN, 0.4))).toThrow(
      expect.objectContaining({ code: 'evaluation_probability_invalid' }),
    );
    expect(() => brierScore(labelsOf(1, 0), valuesOf(0.5, 1.5))).toThrow(
      expect.objectContaining({ code: 'evaluation_probability_invalid' }),
    );
    // Scores need not be probabilities.
    expect(rocAuc(labelsOf(1, 0), valuesOf(7, -3))).toBe(1);
  });
});
