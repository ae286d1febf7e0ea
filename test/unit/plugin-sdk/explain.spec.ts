import { loadTensorFlow } from '../../../src/common/tensorflow';
import { explainTop, topContributions } from '../../../src/plugin-sdk';
import { separableRows } from '../../../src/plugin-sdk/testing';
import { FeatureMatrix, TrainedModel } from '../../../src/plugins/contract';
import { LogisticModel, logisticPlugin } from '../../../src/plugins/logistic';
import { NEURAL_DEFAULTS, neuralPlugin } from '../../../src/plugins/neural';
import { SvmArtifactData, SvmModel, svmPlugin } from '../../../src/plugins/svm';

const set = separableRows(200, 5);
const rows = separableRows(20, 6).features;

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** Row sums of a contributions matrix. */
function rowSums({ rows: n, cols, values }: FeatureMatrix): number[] {
  return Array.from({ length: n }, (_, i) =>
    values.subarray(i * cols, (i + 1) * cols).reduce((a, b) => a + b, 0),
  );
}

/** xⱼ·∂f/∂xⱼ by central differences, for comparison with gradient-times-input. */
function numericContributions(
  f: (features: FeatureMatrix) => Float64Array,
  features: FeatureMatrix,
  h: number,
): Float64Array {
  const { cols, values } = features;
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const up = Float64Array.from(values);
    const down = Float64Array.from(values);
    up[k] += h;
    down[k] -= h;
    const row = Math.floor(k / cols);
    const slope =
      (f({ ...features, values: up })[row] - f({ ...features, values: down })[row]) / (2 * h);
    out[k] = slope * values[k];
  }

  return out;
}

describe('topContributions', () => {
  const contributions = { rows: 2, cols: 4, values: Float64Array.of(0.5, -2, 0, 1, 3, 3, -3, 0) };
  const names = ['age', 'balance', 'duration', 'campaign'];

  it('takes the k largest by absolute value, largest first, with feature names', () => {
    expect(topContributions(contributions, names, 2)).toEqual([
      [
        { feature: 'balance', contribution: -2 },
        { feature: 'campaign', contribution: 1 },
      ],
      [
        { feature: 'age', contribution: 3 },
        { feature: 'balance', contribution: 3 },
      ],
    ]);
  });

  it('keeps the feature order on ties and leaves out zeros', () => {
    const all = topContributions(contributions, names, 4);

    expect(all[1].map((c) => c.feature)).toEqual(['age', 'balance', 'duration']);
    expect(all[0]).toHaveLength(3);
    expect(() => topContributions(contributions, names, 0)).toThrow(/at least 1/);
    expect(() => topContributions(contributions, names.slice(1), 2)).toThrow(/3 feature names/);
  });
});

describe('explain on the built-in plugins', () => {
  const base = { ...set, seed: 3 };

  it('logistic: the contributions and the intercept add up to the log-odds exactly', async () => {
    const params = logisticPlugin.hyperparameters.properties;
    const model = (await logisticPlugin.train({
      ...base,
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.default])) as never,
    })) as LogisticModel;
    const contributions = await model.explain({ features: rows });
    const p = await model.predict({ features: rows });
    const { intercept } = model.coefficients();

    rowSums(contributions).forEach((sum, i) => expect(sum + intercept).toBeCloseTo(logit(p[i]), 9));
  });

  it('svm (linear): the contributions and the bias add up to the decision value', async () => {
    const model = (await svmPlugin.train({
      ...base,
      params: { C: 1, loss: 'squared-hinge', maxIterations: 1000, tolerance: null } as never,
    })) as SvmModel;
    const { bias } = (await model.serialize()).data as SvmArtifactData;
    const decision = model.decisionValues(rows);
    const sums = rowSums(await model.explain({ features: rows }));

    sums.forEach((sum, i) => expect(sum + bias).toBeCloseTo(decision[i], 10));
  });

  it('svm (rbf): each contribution is the input times the slope of the decision value', async () => {
    const model = (await svmPlugin.train({
      ...base,
      params: {
        C: 1,
        loss: 'squared-hinge',
        maxIterations: 1000,
        tolerance: null,
        classWeight: 'none',
        kernel: 'rbf',
        components: 50,
        gamma: 0.5,
      } as never,
    })) as SvmModel;
    const exact = await model.explain({ features: rows });
    const numeric = numericContributions((f) => model.decisionValues(f), rows, 1e-5);

    exact.values.forEach((v, k) => expect(v).toBeCloseTo(numeric[k], 6));
  });

  it('neural: gradient times input matches central differences, and frees its tensors', async () => {
    const { tf } = await loadTensorFlow();
    const model = await neuralPlugin.train({
      ...base,
      params: { ...NEURAL_DEFAULTS, hiddenLayers: [8], epochs: 30 },
    });
    const before = tf.memory().numTensors;
    const exact = await model.explain!({ features: rows });
    const after = tf.memory().numTensors;
    // Slopes of the logit by central differences; predict is asynchronous, so row by row.
    const numeric = new Float64Array(rows.values.length);
    for (let k = 0; k < rows.values.length; k++) {
      const row = Math.floor(k / rows.cols);
      const shifted = async (h: number) => {
        const values = Float64Array.from(rows.values);
        values[k] += h;

        return logit((await model.predict({ features: { ...rows, values } }))[row]);
      };
      numeric[k] = (((await shifted(1e-2)) - (await shifted(-1e-2))) / 2e-2) * rows.values[k];
    }
    model.dispose?.();

    expect(after).toBe(before);
    exact.values.forEach((v, k) =>
      expect(Math.abs(v - numeric[k])).toBeLessThan(2e-3 + 0.02 * Math.abs(v)),
    );
  });
});

describe('explainTop', () => {
  it('names the features that moved each row most, for a model and feature rows', async () => {
    const model = await logisticPlugin.train({
      ...set,
      seed: 1,
      params: {
        C: 1,
        maxIterations: 100,
        tolerance: 1e-6,
        classWeight: 'none',
        fitIntercept: true,
      },
    });
    const top = await explainTop(model, { features: rows, featureNames: set.featureNames }, 2);

    expect(top).toHaveLength(20);
    expect(top.every((reasons) => reasons.length === 2)).toBe(true);
    // The noise columns barely move the score, so a signal comes first in almost every row.
    const signalFirst = top.filter((r) => r[0].feature.startsWith('signal_')).length;
    expect(signalFirst).toBeGreaterThanOrEqual(18);
  });

  it('asks a scorer to explain customer records', async () => {
    const scorer = {
      featureNames: ['age', 'balance'],
      explain: async (records: readonly Record<string, unknown>[]) => ({
        rows: records.length,
        cols: 2,
        values: Float64Array.from(records.flatMap((r) => [Number(r.age) / 10, -Number(r.balance)])),
      }),
    };
    const top = await explainTop(
      scorer,
      [
        { age: 50, balance: 1 },
        { age: 20, balance: 3 },
      ],
      1,
    );

    expect(top).toEqual([
      [{ feature: 'age', contribution: 5 }],
      [{ feature: 'balance', contribution: -3 }],
    ]);
    expect(await explainTop(scorer, [], 1)).toEqual([]);
  });

  it('says so when a model or scorer cannot explain', async () => {
    const model: TrainedModel = {
      predict: async () => new Float64Array(0),
      serialize: async () => ({ format: 'x/1', data: null }),
    };

    await expect(explainTop({ featureNames: ['a'] }, [{ a: 1 }])).rejects.toMatchObject({
      code: 'explain_unsupported',
    });
    await expect(
      explainTop(model, { features: rows, featureNames: set.featureNames }),
    ).rejects.toMatchObject({ code: 'explain_unsupported', status: 422 });
  });
});
