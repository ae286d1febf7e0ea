import { CancelledError, UserError } from '../../../src/common/errors';
import { createRandom } from '../../../src/common/random';
import { FeatureMatrix, TrainingProgress } from '../../../src/plugins/contract';
import { rowDot, toRowMatrix } from '../../../src/plugins/linear-algebra';
import {
  fitPlatt,
  plattProbability,
  solveHingeDual,
  SvmArtifactData,
  SvmModel,
  SvmParams,
  svmPlugin,
} from '../../../src/plugins/svm';

const DEFAULTS: SvmParams = {
  C: 1,
  loss: 'squared-hinge',
  maxIterations: 1000,
  tolerance: null,
  classWeight: 'none',
  kernel: 'linear',
  components: 300,
  gamma: null,
};

interface LabelledSet {
  features: FeatureMatrix;
  labels: Uint8Array;
}

function matrix(rows: number[][], cols = rows[0]?.length ?? 0): FeatureMatrix {
  return { rows: rows.length, cols, values: Float64Array.from(rows.flat()) };
}

async function train(
  set: LabelledSet,
  params: Partial<SvmParams> = {},
  extra: { seed?: number; sampleWeights?: Float64Array } = {},
): Promise<SvmModel> {
  const model = await svmPlugin.train({
    ...set,
    featureNames: Array.from({ length: set.features.cols }, (_, j) => `x${j}`),
    params: { ...DEFAULTS, ...params },
    seed: extra.seed ?? 1,
    sampleWeights: extra.sampleWeights,
  });

  return model as SvmModel;
}

async function artifactOf(model: SvmModel): Promise<SvmArtifactData> {
  return (await model.serialize()).data as SvmArtifactData;
}

/** Two Gaussian clouds in 2-D, centred at ±(shift, shift); `positiveShare` of rows are +. */
function clouds(n: number, shift: number, seed: number, positiveShare = 0.5): LabelledSet {
  const random = createRandom(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = random.next() < positiveShare ? 1 : 0;
    const centre = y === 1 ? shift : -shift;
    rows.push([centre + random.normal(), centre + random.normal()]);
    labels.push(y);
  }

  return { features: matrix(rows), labels: Uint8Array.from(labels) };
}

/** Points in [−1, 1]², positive in the first and third quadrants: no line separates them. */
function xor(n: number, seed: number): LabelledSet {
  const random = createRandom(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = 2 * random.next() - 1;
    const b = 2 * random.next() - 1;
    rows.push([a, b]);
    labels.push(a * b > 0 ? 1 : 0);
  }

  return { features: matrix(rows), labels: Uint8Array.from(labels) };
}

function auc(scores: Float64Array, labels: Uint8Array): number {
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

describe('hinge dual coordinate descent', () => {
  it('ends at a point meeting the KKT conditions of the dual, with no duality gap', async () => {
    const { features, labels } = clouds(150, 0.7, 21);
    const rows = toRowMatrix(features, 1);
    const weights = Float64Array.from({ length: 150 }, (_, i) => (i % 4 === 0 ? 3 : 1));
    const upper = weights.map((w) => 0.5 * w);

    const solution = await solveHingeDual(rows, labels, upper, {
      maxEpochs: 100000,
      tolerance: 1e-9,
      random: createRandom(2),
    });

    const counts = { zero: 0, free: 0, bound: 0 };
    let primal = 0.5 * solution.weights.reduce((sum, w) => sum + w * w, 0);
    const rebuilt = new Float64Array(3);
    for (let i = 0; i < 150; i++) {
      const y = labels[i] === 1 ? 1 : -1;
      const a = solution.alpha[i];
      const m = y * rowDot(rows, i, solution.weights);
      primal += upper[i] * Math.max(0, 1 - m);
      const x = [features.values[2 * i], features.values[2 * i + 1], 1];
      x.forEach((v, j) => (rebuilt[j] += a * y * v));

      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(upper[i]);
      if (a === 0) {
        counts.zero++;
        expect(m).toBeGreaterThanOrEqual(1 - 1e-6);
      } else if (a === upper[i]) {
        counts.bound++;
        expect(m).toBeLessThanOrEqual(1 + 1e-6);
      } else {
        counts.free++;
        expect(Math.abs(m - 1)).toBeLessThan(1e-6);
      }
    }

    expect(solution.converged).toBe(true);
    expect(solution.gap).toBeLessThanOrEqual(1e-9);
    expect(counts.zero).toBeGreaterThan(0);
    expect(counts.free).toBeGreaterThan(0);
    expect(counts.bound).toBeGreaterThan(0);
    rebuilt.forEach((w, j) => expect(w).toBeCloseTo(solution.weights[j], 9));
    // Strong duality: the primal objective equals −f(α) at the optimum.
    expect(Math.abs(primal + solution.dualObjective) / primal).toBeLessThan(1e-6);
  });
});

describe('Platt scaling', () => {
  it('recovers the sigmoid that generated the labels and is calibrated', () => {
    const random = createRandom(31);
    const n = 20000;
    const decision = new Float64Array(n);
    const truth = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      decision[i] = 1.5 * random.normal();
      truth[i] = 1 / (1 + Math.exp(-2 * decision[i] + 0.5));
      labels[i] = random.next() < truth[i] ? 1 : 0;
    }

    const scaling = fitPlatt(decision, labels);

    expect(scaling.a).toBeGreaterThan(-2.15);
    expect(scaling.a).toBeLessThan(-1.85);
    expect(Math.abs(scaling.b - 0.5)).toBeLessThan(0.1);
    let worst = 0;
    for (let bin = 0; bin < 10; bin++) {
      let predicted = 0;
      let observed = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (Math.min(9, Math.floor(truth[i] * 10)) !== bin) continue;
        predicted += plattProbability(decision[i], scaling);
        observed += labels[i];
        count++;
      }
      if (count > 200) worst = Math.max(worst, Math.abs(predicted - observed) / count);
    }
    expect(worst).toBeLessThan(0.03);
  });

  it('stays finite and monotone on separable decision values thanks to smoothed targets', () => {
    // Targets are 3/4 and 1/4; by symmetry B = 0, and the fit balances p(1) < 3/4 < p(2).
    const scaling = fitPlatt(Float64Array.from([-2, -1, 1, 2]), Uint8Array.from([0, 0, 1, 1]));
    const p = [-3, -2, -1, 0, 1, 2, 3].map((f) => plattProbability(f, scaling));

    expect(Number.isFinite(scaling.a)).toBe(true);
    expect(Math.abs(scaling.b)).toBeLessThan(1e-6);
    expect(p[4]).toBeLessThan(0.75);
    expect(p[5]).toBeGreaterThan(0.75);
    p.slice(1).forEach((v, k) => expect(v).toBeGreaterThan(p[k]));
    expect(p[3]).toBeCloseTo(0.5, 6);
  });
});

describe('svm plugin', () => {
  it('separates a separable set with either loss', async () => {
    const set = clouds(200, 3, 41);

    for (const loss of ['squared-hinge', 'hinge'] as const) {
      const model = await train(set, { loss, C: 10 });
      const decision = model.decisionValues(set.features);

      set.labels.forEach((y, i) => expect(Math.sign(decision[i])).toBe(y === 1 ? 1 : -1));
      expect(model.summary.converged).toBe(true);
    }
  });

  it('stops the squared hinge where the gradient of the primal objective is zero', async () => {
    const set = clouds(300, 0.5, 42);
    const sampleWeights = Float64Array.from({ length: 300 }, (_, i) => 0.5 + (i % 3));
    const C = 0.7;

    const model = await train(set, { C }, { sampleWeights });
    const { weights, bias } = await artifactOf(model);

    const w = [...weights, bias];
    const gradient = [...w];
    for (let i = 0; i < 300; i++) {
      const x = [set.features.values[2 * i], set.features.values[2 * i + 1], 1];
      const y = set.labels[i] === 1 ? 1 : -1;
      const violation = 1 - y * x.reduce((sum, v, j) => sum + v * w[j], 0);
      if (violation > 0)
        x.forEach((v, j) => (gradient[j] -= 2 * C * sampleWeights[i] * violation * y * v));
    }
    expect(Math.max(...gradient.map(Math.abs))).toBeLessThan(1e-6);
  });

  it('turns decision values into the true probabilities on logistic data', async () => {
    const make = (n: number, seed: number) => {
      const random = createRandom(seed);
      const x = Float64Array.from({ length: n }, () => random.normal());
      const truth = x.map((v) => 1 / (1 + Math.exp(-(2 * v - 1))));
      const labels = Uint8Array.from(truth, (p) => (random.next() < p ? 1 : 0));

      return { features: { rows: n, cols: 1, values: x }, labels, truth };
    };
    const fit = make(8000, 51);
    const check = make(2000, 52);

    const model = await train(fit);
    const predicted = await model.predict({ features: check.features });

    let error = 0;
    predicted.forEach((p, i) => (error += Math.abs(p - check.truth[i])));
    expect(error / check.truth.length).toBeLessThan(0.025);
  });

  it('learns XOR with the RBF kernel, which the linear kernel cannot', async () => {
    const fit = xor(600, 61);
    const check = xor(400, 62);

    const linear = await train(fit);
    const rbf = await train(fit, { kernel: 'rbf' });

    expect(auc(await linear.predict({ features: check.features }), check.labels)).toBeLessThan(0.6);
    expect(auc(await rbf.predict({ features: check.features }), check.labels)).toBeGreaterThan(
      0.97,
    );
    const hinge = await train(fit, { kernel: 'rbf', loss: 'hinge' });
    expect(auc(await hinge.predict({ features: check.features }), check.labels)).toBeGreaterThan(
      0.97,
    );
  });

  it('moves the bias towards the minority class under balanced class weights', async () => {
    const set = clouds(400, 0.6, 71, 0.1);

    const plain = await artifactOf(await train(set));
    const balanced = await artifactOf(await train(set, { classWeight: 'balanced' }));

    expect(balanced.bias).toBeGreaterThan(plain.bias + 0.3);
  });

  it('repeats exactly for a seed, and draws other random features for another seed', async () => {
    const set = xor(200, 81);

    const first = await (await train(set, { kernel: 'rbf' }, { seed: 5 })).predict(set);
    const again = await (await train(set, { kernel: 'rbf' }, { seed: 5 })).predict(set);
    const other = await (await train(set, { kernel: 'rbf' }, { seed: 6 })).predict(set);

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('reports progress that never goes back and ends at 1, for both losses', async () => {
    const set = clouds(300, 0.5, 91);

    for (const loss of ['squared-hinge', 'hinge'] as const) {
      const seen: TrainingProgress[] = [];
      await svmPlugin.train({
        ...set,
        featureNames: ['a', 'b'],
        params: { ...DEFAULTS, loss },
        seed: 1,
        onProgress: (p) => seen.push(p),
      });

      const fractions = seen.map((p) => p.fraction);
      expect(seen.length).toBeGreaterThan(2);
      expect(fractions[fractions.length - 1]).toBe(1);
      fractions.slice(1).forEach((f, k) => expect(f).toBeGreaterThanOrEqual(fractions[k]));
    }
  });

  it('says so in the summary when the hinge solver stops at the epoch limit', async () => {
    const model = await train(clouds(300, 0.3, 95), { loss: 'hinge', maxIterations: 2 });

    expect(model.summary.iterations).toBe(2);
    expect(model.summary.converged).toBe(false);
    expect(model.summary.projectedGradientGap).toBeGreaterThan(0.1);
  });

  it('stops with CancelledError when the signal is aborted during training', async () => {
    const set = clouds(300, 0.5, 92);

    for (const loss of ['squared-hinge', 'hinge'] as const) {
      const controller = new AbortController();
      let calls = 0;
      const training = svmPlugin.train({
        ...set,
        featureNames: ['a', 'b'],
        params: { ...DEFAULTS, loss, tolerance: 1e-12 },
        seed: 1,
        signal: controller.signal,
        onProgress: () => {
          calls++;
          controller.abort();
        },
      });

      await expect(training).rejects.toBeInstanceOf(CancelledError);
      expect(calls).toBe(1);
    }
  });

  it('predicts the same after serialise → JSON → deserialise, for both kernels', async () => {
    const set = xor(200, 93);

    for (const kernel of ['linear', 'rbf'] as const) {
      const model = await train(set, { kernel, components: 50 });
      const artifact = JSON.parse(JSON.stringify(await model.serialize()));
      const restored = await svmPlugin.deserialize({ artifact });

      expect(artifact.format).toBe('svm/1');
      expect(await restored.predict(set)).toEqual(await model.predict(set));
    }
  });

  it('explains linear decision values exactly and RBF ones by gradient × input', async () => {
    const set = clouds(200, 0.8, 96);
    const linear = await train(set);
    const rbf = await train(set, { kernel: 'rbf', components: 40 });
    const { bias } = await artifactOf(linear);

    const exact = await linear.explain({ features: set.features });
    const decision = linear.decisionValues(set.features);
    for (let i = 0; i < 200; i++) {
      expect(bias + exact.values[2 * i] + exact.values[2 * i + 1]).toBeCloseTo(decision[i], 10);
    }

    // ∂f/∂x₀ by central differences at row 3 must match contribution / x₀.
    const row = [set.features.values[6], set.features.values[7]];
    const h = 1e-5;
    const f = (x0: number) => rbf.decisionValues(matrix([[x0, row[1]]]))[0];
    const slope = (f(row[0] + h) - f(row[0] - h)) / (2 * h);
    const local = await rbf.explain({ features: matrix([row]) });
    expect(local.values[0] / row[0]).toBeCloseTo(slope, 5);
  });

  it('keeps every prediction in [0, 1], even for extreme feature values', async () => {
    const model = await train(clouds(100, 1, 94));
    const extreme = matrix([
      [1e308, -1e308],
      [1e308, 1e308],
      [-1e308, -1e308],
    ]);

    const scores = Array.from(await model.predict({ features: extreme }));

    scores.forEach((p) => expect(p >= 0 && p <= 1).toBe(true));
    expect(scores[1]).toBeGreaterThan(0.99);
    expect(scores[2]).toBeLessThan(0.01);
  });

  it('refuses bad training sets, rows and artifacts with user errors', async () => {
    const set = { features: matrix([[1], [2], [3]]), labels: Uint8Array.from([0, 1, 1]) };
    const model = await train(set);

    const nan = { ...set, features: matrix([[1], [NaN], [3]]) };
    const one = { ...set, labels: Uint8Array.from([1, 1, 1]) };
    const short = { ...set, labels: Uint8Array.from([0, 1]) };
    expect(await codeOf(train(nan))).toBe('features_not_finite');
    expect(await codeOf(train({ features: matrix([], 1), labels: new Uint8Array(0) }))).toBe(
      'training_set_empty',
    );
    expect(await codeOf(train(one))).toBe('training_set_one_class');
    expect(await codeOf(train(short))).toBe('training_set_shape');
    expect(await codeOf(model.predict({ features: matrix([[1, 2]]) }))).toBe('features_shape');
    const artifact = await model.serialize();
    const broken = { ...artifact, data: { ...(artifact.data as object), weights: [1, 2] } };
    expect(await codeOf(svmPlugin.deserialize({ artifact: broken }))).toBe(
      'model_artifact_invalid',
    );
  });
});
