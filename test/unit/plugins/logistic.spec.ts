import { CancelledError, UserError } from '../../../src/common/errors';
import { createRandom } from '../../../src/common/random';
import { FeatureMatrix, TrainingProgress } from '../../../src/plugins/contract';
import {
  choleskyInPlace,
  choleskySolve,
  rowAddOuter,
  rowDot,
  toRowMatrix,
} from '../../../src/plugins/linear-algebra';
import { LogisticModel, LogisticParams, logisticPlugin } from '../../../src/plugins/logistic';

const DEFAULTS: LogisticParams = {
  C: 1,
  maxIterations: 100,
  tolerance: 1e-6,
  classWeight: 'none',
  fitIntercept: true,
};

function matrix(rows: number[][], cols = rows[0]?.length ?? 0): FeatureMatrix {
  return { rows: rows.length, cols, values: Float64Array.from(rows.flat()) };
}

function names(cols: number): string[] {
  return Array.from({ length: cols }, (_, j) => `x${j}`);
}

async function train(
  features: FeatureMatrix,
  labels: number[],
  params: Partial<LogisticParams> = {},
  sampleWeights?: number[],
): Promise<LogisticModel> {
  const model = await logisticPlugin.train({
    features,
    labels: Uint8Array.from(labels),
    featureNames: names(features.cols),
    params: { ...DEFAULTS, ...params },
    seed: 1,
    sampleWeights: sampleWeights && Float64Array.from(sampleWeights),
  });

  return model as LogisticModel;
}

/** Rows drawn from a logistic model with known coefficients; weights drawn in [0.5, 2). */
function synthetic(n: number, beta: number[], intercept: number, seed: number) {
  const random = createRandom(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = beta.map(() => random.normal());
    const z = intercept + x.reduce((sum, v, j) => sum + v * beta[j], 0);
    rows.push(x);
    labels.push(random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    weights.push(0.5 + 1.5 * random.next());
  }

  return { features: matrix(rows), labels, weights };
}

/** ∇ of ½‖β‖² + C·Σ wᵢ·logloss, written out independently of the solver. */
function objectiveGradient(
  features: FeatureMatrix,
  labels: number[],
  weights: number[],
  C: number,
  beta: Float64Array,
  intercept: number,
): number[] {
  const gradient = [...beta, 0];
  for (let i = 0; i < features.rows; i++) {
    let z = intercept;
    for (let j = 0; j < features.cols; j++) z += beta[j] * features.values[i * features.cols + j];
    const residual = C * weights[i] * (1 / (1 + Math.exp(-z)) - labels[i]);
    for (let j = 0; j < features.cols; j++) {
      gradient[j] += residual * features.values[i * features.cols + j];
    }
    gradient[features.cols] += residual;
  }

  return gradient;
}

function auc(scores: Float64Array, labels: number[]): number {
  let above = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let k = 0; k < labels.length; k++) {
      if (labels[i] !== 1 || labels[k] !== 0) continue;
      pairs++;
      above += scores[i] > scores[k] ? 1 : scores[i] === scores[k] ? 0.5 : 0;
    }
  }

  return above / pairs;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) return error.code;
    throw error;
  }

  return 'no error';
}

describe('linear algebra kernels', () => {
  it('give the same dot products and outer products for dense and compressed rows', () => {
    const sparse = matrix([
      [0, 2, 0, 0],
      [1, 0, 0, 3],
      [0, 0, 0, 0],
    ]);
    const dense = matrix([
      [5, 2, 1, 1],
      [1, 4, 2, 3],
      [1, 1, 1, 1],
    ]);
    const s = toRowMatrix(sparse, 1);
    const d = toRowMatrix(dense, 1);
    const w = Float64Array.from([1, -1, 2, 0.5, 10]);

    expect(s.kind).toBe('sparse');
    expect(d.kind).toBe('dense');
    expect([0, 1, 2].map((i) => rowDot(s, i, w))).toEqual([8, 12.5, 10]);
    expect(rowDot(d, 1, w)).toBe(1 - 4 + 4 + 1.5 + 10);

    const h = new Float64Array(25);
    rowAddOuter(s, 1, 2, h);
    // Row 1 is (1, 0, 0, 3, 1): lower-triangle entries 2·xₚ·x_q.
    expect(h[0]).toBe(2);
    expect(h[3 * 5 + 0]).toBe(6);
    expect(h[3 * 5 + 3]).toBe(18);
    expect(h[4 * 5 + 3]).toBe(6);
    expect(h[0 * 5 + 3]).toBe(0);
  });

  it('solve a symmetric positive definite system by Cholesky', () => {
    // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], lower triangle only; A·(1, 2, 3) = (8, 15, 11).
    const a = Float64Array.from([4, 0, 0, 2, 5, 0, 0, 1, 3]);

    expect(choleskyInPlace(a, 3)).toBe(true);
    const x = choleskySolve(a, 3, Float64Array.from([8, 15, 11]));
    expect(Array.from(x).map((v) => +v.toFixed(12))).toEqual([1, 2, 3]);
    expect(choleskyInPlace(Float64Array.from([1, 0, 2, 1]), 2)).toBe(false);
  });
});

describe('logistic plugin', () => {
  it('fits the intercept-only model to the log-odds, and balanced weights to even odds', async () => {
    const features = matrix([[], [], [], []], 0);

    const plain = await train(features, [1, 0, 0, 0]);
    const balanced = await train(features, [1, 0, 0, 0], { classWeight: 'balanced' });

    expect(plain.coefficients().intercept).toBeCloseTo(Math.log(1 / 3), 8);
    expect((await plain.predict({ features }))[0]).toBeCloseTo(0.25, 8);
    // n/(2·n_c) makes the one positive weigh as much as the three negatives.
    expect(balanced.coefficients().intercept).toBeCloseTo(0, 8);
    expect(balanced.coefficients().intercept).toBeGreaterThan(plain.coefficients().intercept);
  });

  it('solves the hand-worked 1-D case β = 2σ(−β) without an intercept', async () => {
    // x = (1, −1), y = (1, 0): F(β) = ½β² + 2·log(1 + e^−β), so F'(β) = 0 ⇔ β = 2σ(−β).
    const model = await train(matrix([[1], [-1]]), [1, 0], { fitIntercept: false });
    const { coefficients, intercept } = model.coefficients();

    expect(coefficients[0]).toBeCloseTo(0.6748316143, 9);
    expect(intercept).toBe(0);
  });

  it('recovers the group log-odds of a binary feature when the penalty is negligible', async () => {
    // x = 0: 1 positive of 4 → β₀ = ln(1/3); x = 1: 3 of 4 → β₀ + β₁ = ln 3.
    const features = matrix([[0], [0], [0], [0], [1], [1], [1], [1]]);
    const model = await train(features, [1, 0, 0, 0, 1, 1, 1, 0], { C: 1e7 });
    const { coefficients, intercept } = model.coefficients();

    expect(intercept).toBeCloseTo(-Math.log(3), 5);
    expect(coefficients[0]).toBeCloseTo(2 * Math.log(3), 5);
  });

  it('stops at a point where the gradient of the weighted objective is zero', async () => {
    const { features, labels, weights } = synthetic(400, [1.5, -2, 0.5, 0], -0.7, 11);
    const C = 0.3;

    const model = await train(features, labels, { C }, weights);
    const { coefficients, intercept } = model.coefficients();
    const gradient = objectiveGradient(features, labels, weights, C, coefficients, intercept);

    expect(Math.max(...gradient.map(Math.abs))).toBeLessThan(1e-6);
    expect(model.summary.converged).toBe(true);
    expect(model.summary.iterations).toBeLessThan(15);
    expect(model.summary.gradientNorm).toBeLessThanOrEqual(1e-6);
  });

  it('recovers known coefficients from a large sample and ranks held-out rows well', async () => {
    const beta = [1, -0.5, 2];
    const train1 = synthetic(6000, beta, 0.5, 3);
    const test = synthetic(1000, beta, 0.5, 4);

    const model = await train(train1.features, train1.labels, { C: 100 });
    const { coefficients, intercept } = model.coefficients();
    const scores = await model.predict({ features: test.features });

    coefficients.forEach((b, j) => expect(Math.abs(b - beta[j])).toBeLessThan(0.12));
    expect(Math.abs(intercept - 0.5)).toBeLessThan(0.12);
    expect(auc(scores, test.labels)).toBeGreaterThan(0.85);
  });

  it('treats a sample weight of 2 exactly as a duplicated row', async () => {
    const { features, labels } = synthetic(60, [1, -1], 0, 5);
    const duplicated = matrix(
      [...Array(features.rows).keys()]
        .flatMap((i) => (i % 3 === 0 ? [i, i] : [i]))
        .map((i) => Array.from(features.values.subarray(i * 2, i * 2 + 2))),
    );
    const duplicatedLabels = labels.flatMap((y, i) => (i % 3 === 0 ? [y, y] : [y]));
    const weights = labels.map((_, i) => (i % 3 === 0 ? 2 : 1));

    const weighted = (await train(features, labels, {}, weights)).coefficients();
    const copied = (await train(duplicated, duplicatedLabels)).coefficients();

    expect(weighted.intercept).toBeCloseTo(copied.intercept, 9);
    expect(weighted.coefficients[0]).toBeCloseTo(copied.coefficients[0], 9);
    expect(weighted.coefficients[1]).toBeCloseTo(copied.coefficients[1], 9);
  });

  it('reports progress that never goes back and ends at 1', async () => {
    const { features, labels } = synthetic(300, [1, 2], 0, 6);
    const seen: TrainingProgress[] = [];

    await logisticPlugin.train({
      features,
      labels: Uint8Array.from(labels),
      featureNames: names(2),
      params: DEFAULTS,
      seed: 1,
      onProgress: (p) => seen.push(p),
    });

    const fractions = seen.map((p) => p.fraction);
    expect(seen.length).toBeGreaterThan(2);
    expect(fractions[fractions.length - 1]).toBe(1);
    fractions.slice(1).forEach((f, k) => expect(f).toBeGreaterThanOrEqual(fractions[k]));
    expect(seen[seen.length - 1].loss).toBeLessThan(seen[0].loss as number);
  });

  it('says so in the summary when it stops at the iteration limit', async () => {
    const { features, labels } = synthetic(300, [1, 2], 0, 9);

    const model = await train(features, labels, { maxIterations: 1 });

    expect(model.summary.iterations).toBe(1);
    expect(model.summary.converged).toBe(false);
    expect(model.summary.gradientNorm).toBeGreaterThan(1e-6);
  });

  it('stops with CancelledError when the signal is aborted during training', async () => {
    const { features, labels } = synthetic(300, [1, 2], 0, 7);
    const controller = new AbortController();
    let calls = 0;

    const training = logisticPlugin.train({
      features,
      labels: Uint8Array.from(labels),
      featureNames: names(2),
      params: DEFAULTS,
      seed: 1,
      signal: controller.signal,
      onProgress: () => {
        calls++;
        controller.abort();
      },
    });

    await expect(training).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(1);
  });

  it('predicts the same after serialise → JSON → deserialise', async () => {
    const { features, labels } = synthetic(200, [0.3, -1.2, 2], 1, 8);
    const model = await train(features, labels, { C: 0.5 });

    const artifact = JSON.parse(JSON.stringify(await model.serialize()));
    const restored = (await logisticPlugin.deserialize({ artifact })) as LogisticModel;

    expect(artifact.format).toBe('logistic/1');
    expect(await restored.predict({ features })).toEqual(await model.predict({ features }));
    expect(restored.coefficients()).toEqual(model.coefficients());
    expect(restored.coefficients().featureNames).toEqual(['x0', 'x1', 'x2']);
    expect(restored.summary.iterations).toBe(model.summary.iterations);
  });

  it('explains each score as coefficient × feature, adding up to the log-odds', async () => {
    const { features, labels } = synthetic(200, [0.8, -1.5], 0.3, 10);
    const model = await train(features, labels);
    const { coefficients, intercept } = model.coefficients();

    const contributions = await model.explain({ features });
    const scores = await model.predict({ features });

    expect(contributions.cols).toBe(2);
    expect(contributions.values[2 * 7 + 1]).toBe(coefficients[1] * features.values[2 * 7 + 1]);
    for (let i = 0; i < features.rows; i++) {
      const logOdds = intercept + contributions.values[2 * i] + contributions.values[2 * i + 1];
      expect(1 / (1 + Math.exp(-logOdds))).toBeCloseTo(scores[i], 12);
    }
    expect(logisticPlugin.capabilities?.explain).toBe(true);
  });

  it('keeps every prediction in [0, 1], even for extreme feature values', async () => {
    const model = await train(
      matrix([
        [1, 1],
        [-1, -1],
        [2, 0],
        [0, -2],
      ]),
      [1, 0, 1, 0],
    );
    const extreme = matrix([
      [1e308, -1e308],
      [1e308, 1e308],
      [-1e308, -1e308],
      [0, 0],
    ]);

    const scores = Array.from(await model.predict({ features: extreme }));

    scores.forEach((p) => expect(p >= 0 && p <= 1).toBe(true));
    expect(scores[1]).toBe(1);
    expect(scores[2]).toBe(0);
  });

  it('refuses bad training sets and rows with user errors', async () => {
    const features = matrix([[1], [2], [3]]);
    const model = await train(features, [0, 1, 1]);

    expect(await codeOf(train(matrix([[1], [NaN], [3]]), [0, 1, 1]))).toBe('features_not_finite');
    expect(await codeOf(train(matrix([], 1), []))).toBe('training_set_empty');
    expect(await codeOf(train(features, [1, 1, 1]))).toBe('training_set_one_class');
    expect(await codeOf(train(features, [0, 1, 1], {}, [1, 0, 0]))).toBe('training_set_one_class');
    expect(await codeOf(train(features, [0, 1]))).toBe('training_set_shape');
    expect(await codeOf(train(features, [0, 1, 2]))).toBe('labels_not_binary');
    expect(await codeOf(train(features, [0, 1, 1], {}, [1, -1, 1]))).toBe('sample_weights_invalid');
    expect(await codeOf(model.predict({ features: matrix([[1, 2]]) }))).toBe('features_shape');
    expect(await codeOf(model.predict({ features: matrix([[Infinity]]) }))).toBe(
      'features_not_finite',
    );
    expect(
      await codeOf(logisticPlugin.deserialize({ artifact: { format: 'svm/1', data: {} } })),
    ).toBe('model_artifact_invalid');
  });
});
