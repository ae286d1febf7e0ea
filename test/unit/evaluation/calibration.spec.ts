import { createRandom } from '../../../src/common/random';
import {
  calibrationTable,
  calibratorFromJSON,
  CalibrationMethod,
  expectedCalibrationError,
  fitCalibrator,
} from '../../../src/modules/models/evaluation';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logit = (p: number) => Math.log(p / (1 - p));

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];

  return sum / values.length;
}

describe('Platt calibration', () => {
  it('recovers the coefficients of a known logistic curve', () => {
    // Raw logits x ~ N(0, 1.5²); the truth is P(y = 1) = σ(1.7·x − 0.6). With 200,000 rows
    // the standard error of each coefficient is below 0.01, so 0.02 is about 2 decimals.
    const random = createRandom(17);
    const rows = 200000;
    const labels = new Uint8Array(rows);
    const probabilities = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const x = 1.5 * random.normal();
      probabilities[i] = sigmoid(x);
      labels[i] = random.next() < sigmoid(1.7 * x - 0.6) ? 1 : 0;
    }

    const calibrator = fitCalibrator({ method: 'platt', labels, probabilities });
    const fitted = calibrator.toJSON();

    expect(calibrator.method).toBe('platt');
    if (fitted.method !== 'platt') throw new Error('expected a Platt calibrator');
    expect(Math.abs(fitted.slope - 1.7)).toBeLessThan(0.02);
    expect(Math.abs(fitted.intercept + 0.6)).toBeLessThan(0.02);
  });

  it('stays finite on separable data, at the optimum of the smoothed targets', () => {
    // Two negatives and two positives: targets 1/(2 + 2) = 0.25 and (2 + 1)/(2 + 2) = 0.75.
    // The logits ±ln 9, ±ln 4 are symmetric, so the intercept is 0; at the optimum the
    // gradient Σ (σ(a·xᵢ + b) − tᵢ)·(xᵢ, 1) vanishes.
    const probabilities = Float64Array.of(0.1, 0.2, 0.8, 0.9);
    const targets = [0.25, 0.25, 0.75, 0.75];
    const fitted = fitCalibrator({
      method: 'platt',
      labels: Uint8Array.of(0, 0, 1, 1),
      probabilities,
    }).toJSON();
    if (fitted.method !== 'platt') throw new Error('expected a Platt calibrator');

    let gradientSlope = 0;
    let gradientIntercept = 0;
    probabilities.forEach((p, i) => {
      const residual = sigmoid(fitted.slope * logit(p) + fitted.intercept) - targets[i];
      gradientSlope += residual * logit(p);
      gradientIntercept += residual;
    });

    expect(Number.isFinite(fitted.slope)).toBe(true);
    expect(fitted.slope).toBeGreaterThan(0);
    expect(fitted.intercept).toBeCloseTo(0, 9);
    expect(Math.abs(gradientSlope)).toBeLessThan(1e-9);
    expect(Math.abs(gradientIntercept)).toBeLessThan(1e-9);
  });

  it('applies σ(slope · logit(p) + intercept)', () => {
    const calibrator = calibratorFromJSON({ method: 'platt', slope: 2, intercept: 0 });

    // logit(0.8) = ln 4, doubled ln 16, σ(ln 16) = 16/17; logit(0.5) = 0 → 0.5.
    const out = calibrator.apply(Float64Array.of(0.8, 0.5));

    expect(out[0]).toBeCloseTo(16 / 17, 12);
    expect(out[1]).toBeCloseTo(0.5, 12);
    // p = 0 is clipped to 1e-7 before the logit: σ(2·ln(1e-7 / (1 − 1e-7))) ≈ 1e-14.
    expect(calibrator.apply(Float64Array.of(0))[0]).toBeCloseTo(1e-14, 15);
  });
});

describe('isotonic calibration', () => {
  const probabilities = Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6);
  const labels = Uint8Array.of(0, 1, 0, 1, 1, 0);

  it('matches pool-adjacent-violators worked by hand on 6 points', () => {
    // Labels in order of p: 0, 1, 0, 1, 1, 0.
    // 1 > 0 at 0.2/0.3 → pool to 0.5, 0.5. Then 1, 1, 0 at the end: pool 1, 0 → 0.5, which
    // is below the 1 before it → pool all three → 2/3. Fit: 0, ½, ½, ⅔, ⅔, ⅔.
    // The interior point 0.5 of the last flat stretch is dropped.
    const calibrator = fitCalibrator({ method: 'isotonic', labels, probabilities });

    expect(calibrator.toJSON()).toEqual({
      method: 'isotonic',
      x: [0.1, 0.2, 0.3, 0.4, 0.6],
      y: [0, 0.5, 0.5, 2 / 3, 2 / 3],
    });
    const out = calibrator.apply(Float64Array.of(0.05, 0.15, 0.25, 0.35, 0.5, 0.9));
    // 0.05 → clipped to 0.1 → 0; 0.15 → halfway from 0 to ½ = 0.25; 0.25 → ½;
    // 0.35 → halfway from ½ to ⅔ = 7/12; 0.5 → ⅔; 0.9 → clipped to 0.6 → ⅔.
    const expected = [0, 0.25, 0.5, 7 / 12, 2 / 3, 2 / 3];
    expected.forEach((value, i) => expect(out[i]).toBeCloseTo(value, 12));
  });

  it('averages the labels of equal probabilities first', () => {
    // p 0.2 holds labels 1 and 0 → ½; p 0.5 holds 1 → 1. At 0.35: halfway → ¾.
    const calibrator = fitCalibrator({
      method: 'isotonic',
      labels: Uint8Array.of(1, 0, 1),
      probabilities: Float64Array.of(0.2, 0.2, 0.5),
    });

    expect(calibrator.apply(Float64Array.of(0.35))[0]).toBeCloseTo(0.75, 12);
  });

  it('is monotone on noisy data', () => {
    const random = createRandom(3);
    const rows = 5000;
    const raw = Float64Array.from({ length: rows }, () => random.next());
    const noisyLabels = Uint8Array.from(raw, (p) => (random.next() < p ? 1 : 0));
    const calibrator = fitCalibrator({
      method: 'isotonic',
      labels: noisyLabels,
      probabilities: raw,
    });

    const grid = Float64Array.from({ length: 1001 }, (_, k) => k / 1000);
    const out = calibrator.apply(grid);
    let decreases = 0;
    for (let k = 1; k < out.length; k++) if (out[k] < out[k - 1]) decreases++;

    expect(decreases).toBe(0);
    // Not trivially flat: low p maps far below high p.
    expect(out[1000] - out[0]).toBeGreaterThan(0.8);
  });
});

describe('calibrating a miscalibrated score', () => {
  // True p ~ U(0, 1), y ~ Bernoulli(p), and the model says p². Its mean is E[p²] = 1/3
  // against an observed rate of 1/2, and its ECE is near E[p − p²] = 1/6.
  const random = createRandom(99);
  const draw = (rows: number) => {
    const labels = new Uint8Array(rows);
    const scores = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const p = random.next();
      labels[i] = random.next() < p ? 1 : 0;
      scores[i] = p * p;
    }

    return { labels, scores };
  };
  const fitting = draw(20000);
  const held = draw(20000);
  const rawEce = expectedCalibrationError(calibrationTable(held.labels, held.scores));

  it('starts far off', () => {
    expect(mean(held.scores)).toBeCloseTo(1 / 3, 1);
    expect(rawEce).toBeGreaterThan(0.15);
  });

  it.each<CalibrationMethod>(['platt', 'isotonic'])(
    '%s brings the mean within 0.01 of the observed rate and lowers the ECE',
    (method) => {
      const calibrator = fitCalibrator({
        method,
        labels: fitting.labels,
        probabilities: fitting.scores,
      });
      const calibrated = calibrator.apply(held.scores);
      const ece = expectedCalibrationError(calibrationTable(held.labels, calibrated));

      expect(Math.abs(mean(calibrated) - mean(held.labels))).toBeLessThan(0.01);
      expect(ece).toBeLessThan(0.03);
      expect(ece).toBeLessThan(rawEce / 5);
    },
  );
});

describe('serialisation', () => {
  const random = createRandom(5);
  const probabilities = Float64Array.from({ length: 2000 }, () => random.next());
  const labels = Uint8Array.from(probabilities, (p) => (random.next() < p * p ? 1 : 0));
  const probe = Float64Array.of(0, 0.01, 0.2, 0.5, 0.77, 0.999, 1);

  it.each<CalibrationMethod>(['none', 'platt', 'isotonic'])(
    '%s survives a round trip',
    (method) => {
      const calibrator = fitCalibrator({ method, labels, probabilities });

      const restored = calibratorFromJSON(JSON.parse(JSON.stringify(calibrator.toJSON())));

      expect(restored.method).toBe(method);
      expect(restored.toJSON()).toEqual(calibrator.toJSON());
      expect(restored.apply(probe)).toEqual(calibrator.apply(probe));
    },
  );

  it('leaves probabilities alone with none', () => {
    const calibrator = fitCalibrator({ method: 'none', labels, probabilities });

    expect(Array.from(calibrator.apply(probe))).toEqual(Array.from(probe));
  });

  it('refuses a broken calibrator and says where', () => {
    const broken: [unknown, string][] = [
      [null, '$'],
      [{ method: 'magic' }, '$.method'],
      [{ method: 'platt', slope: 'steep', intercept: 0 }, '$.slope'],
      [{ method: 'platt', slope: 1 }, '$.intercept'],
      [{ method: 'isotonic', x: [0.1, 0.5], y: [0.2] }, '$.y'],
      [{ method: 'isotonic', x: [0.1, 0.5, 0.4], y: [0.1, 0.2, 0.3] }, '$.x[2]'],
      [{ method: 'isotonic', x: [0.1, 0.5], y: [0.4, 0.3] }, '$.y[1]'],
      [{ method: 'isotonic', x: [0.1, 1.5], y: [0.1, 0.3] }, '$.x[1]'],
      [{ method: 'none', extra: 1 }, '$'],
    ];

    for (const [json, path] of broken) {
      expect(() => calibratorFromJSON(json)).toThrow(
        expect.objectContaining({
          code: 'calibrator_invalid',
          details: expect.arrayContaining([expect.objectContaining({ path })]),
        }),
      );
    }
  });

  it('refuses an unknown method and bad probabilities', () => {
    expect(() =>
      fitCalibrator({ method: 'magic' as CalibrationMethod, labels, probabilities }),
    ).toThrow(expect.objectContaining({ code: 'calibration_method_unknown' }));
    expect(() => fitCalibrator({ method: 'platt', labels, probabilities: probe })).toThrow(
      expect.objectContaining({ code: 'evaluation_length_mismatch' }),
    );
    expect(() => calibratorFromJSON({ method: 'none' }).apply(Float64Array.of(Number.NaN))).toThrow(
      expect.objectContaining({ code: 'evaluation_probability_invalid' }),
    );
  });
});
