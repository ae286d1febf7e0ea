import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CancelledError, UserError } from '../../../src/common/errors';
import { createRandom } from '../../../src/common/random';
import { loadTensorFlow, TensorFlowRuntime } from '../../../src/common/tensorflow';
import { compileHyperparameters } from '../../../src/modules/models/hyperparameters';
import { FeatureMatrix, ModelArtifact, TrainingProgress } from '../../../src/plugins/contract';
import {
  ACTIVATIONS,
  NEURAL_DEFAULTS,
  NEURAL_FORMAT,
  neuralPlugin,
  NeuralParams,
} from '../../../src/plugins/neural';
import { Adam } from '../../../src/plugins/neural/adam';
import { meanCrossEntropy, Network } from '../../../src/plugins/neural/network';
import { splitRows } from '../../../src/plugins/neural/training';

interface LabelledSet {
  features: FeatureMatrix;
  labels: Uint8Array;
  featureNames: string[];
}

/** Two noisy rings around the origin: the inner ring is positive. */
function circles(rows: number, seed: number): LabelledSet {
  const random = createRandom(seed);
  const values = new Float64Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % 2;
    const radius = (labels[i] ? 0.5 : 1) + 0.1 * random.normal();
    const angle = 2 * Math.PI * random.next();
    values[2 * i] = radius * Math.cos(angle);
    values[2 * i + 1] = radius * Math.sin(angle);
  }

  return { features: { rows, cols: 2, values }, labels, featureNames: ['x', 'y'] };
}

/** Features and labels that have nothing to do with each other. */
function noise(rows: number, cols: number, seed: number): LabelledSet {
  const random = createRandom(seed);
  const values = new Float64Array(rows * cols).map(() => random.normal());
  const labels = Uint8Array.from({ length: rows }, () => (random.next() < 0.3 ? 1 : 0));
  const featureNames = Array.from({ length: cols }, (_, j) => `f${j}`);

  return { features: { rows, cols, values }, labels, featureNames };
}

function rowsOf(set: LabelledSet, rows: ArrayLike<number>): FeatureMatrix {
  const { cols } = set.features;
  const values = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    values.set(set.features.values.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
  }

  return { rows: rows.length, cols, values };
}

/** ROC AUC by the rank-sum formula (ties count half). */
function auc(scores: ArrayLike<number>, labels: Uint8Array): number {
  let positives = 0;
  let wins = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    positives++;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j]) continue;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }

  return wins / (positives * (labels.length - positives));
}

function params(overrides: Partial<NeuralParams> = {}): NeuralParams {
  return { ...NEURAL_DEFAULTS, hiddenLayers: [16], batchSize: 64, ...overrides };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);

  return (error as UserError).code;
}

describe('neural plugin', () => {
  let runtime: TensorFlowRuntime;
  const small = circles(200, 5);

  beforeAll(async () => {
    runtime = await loadTensorFlow();
  });

  it('learns concentric circles, which no linear score separates, by default', async () => {
    const train = circles(800, 1);
    const test = circles(400, 2);
    const linearAucs = [0, 1, 2, 3, 4, 5].map((k) => {
      const angle = (k * Math.PI) / 6;
      const scores = Array.from({ length: test.features.rows }, (_, i) => {
        const v = test.features.values;

        return Math.cos(angle) * v[2 * i] + Math.sin(angle) * v[2 * i + 1];
      });
      const value = auc(scores, test.labels);

      return Math.max(value, 1 - value);
    });

    const model = await neuralPlugin.train({
      ...train,
      params: { ...NEURAL_DEFAULTS, hiddenLayers: [16] },
      seed: 3,
    });
    const predictions = await model.predict({ features: test.features });
    model.dispose?.();

    expect(Math.max(...linearAucs)).toBeLessThan(0.6);
    expect(auc(predictions, test.labels)).toBeGreaterThanOrEqual(0.95);
    expect(predictions.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('stops early once the validation loss stops falling and keeps the best epoch', async () => {
    const set = noise(600, 8, 9);
    const progress: TrainingProgress[] = [];
    const model = await neuralPlugin.train({
      ...set,
      params: params({ hiddenLayers: [64], learningRate: 0.02, patience: 3, epochs: 200 }),
      seed: 4,
      onProgress: (p) => progress.push(p),
    });
    const summary = model.summary as Record<string, number | boolean>;
    const held = splitRows(set.labels, NEURAL_DEFAULTS.validationShare, 4).validation;
    const predictions = await model.predict({ features: rowsOf(set, held) });
    model.dispose?.();
    let loss = 0;
    held.forEach((row, i) => {
      const p = predictions[i];
      loss -= set.labels[row] ? Math.log(p) : Math.log(1 - p);
    });

    expect(summary.stoppedEarly).toBe(true);
    expect(summary.epochsRun).toBeLessThan(200);
    expect(summary.epochsRun).toBe((summary.bestEpoch as number) + 3);
    expect(summary.validationRows).toBe(held.length);
    // The weights in the model are those of the best epoch, not of the last one.
    expect(loss / held.length).toBeCloseTo(summary.validationLoss as number, 4);
    expect(progress.at(-1)).toMatchObject({ fraction: 1 });
    expect(progress.at(-1)?.message).toContain('stopped early');
  });

  it('reports each epoch with its fraction, name and a falling loss', async () => {
    const progress: TrainingProgress[] = [];
    const model = await neuralPlugin.train({
      ...small,
      params: params({ epochs: 5, validationShare: 0, learningRate: 0.02 }),
      seed: 1,
      onProgress: (p) => progress.push(p),
    });
    model.dispose?.();

    expect(progress.map((p) => p.message)).toEqual([1, 2, 3, 4, 5].map((e) => `epoch ${e}/5`));
    expect(progress.map((p) => p.fraction)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(progress.at(-1)!.loss!).toBeLessThan(progress[0].loss!);
  });

  it('repeats a training exactly with the same seed, dropout included', async () => {
    const set = circles(400, 6);
    const options = params({ hiddenLayers: [16, 8], dropout: 0.2, epochs: 8 });
    const predict = async (seed: number) => {
      const model = await neuralPlugin.train({ ...set, params: options, seed });
      const predictions = await model.predict({ features: set.features });
      model.dispose?.();

      return predictions;
    };

    const first = await predict(21);
    const again = await predict(21);
    const other = await predict(22);

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('serialises to JSON and rebuilds a model with identical predictions', async () => {
    const model = await neuralPlugin.train({
      ...small,
      params: params({ hiddenLayers: [8, 4], activation: 'tanh', epochs: 5 }),
      seed: 2,
    });
    const before = await model.predict({ features: small.features });
    const artifact = JSON.parse(JSON.stringify(await model.serialize())) as ModelArtifact;
    model.dispose?.();
    const rebuilt = await neuralPlugin.deserialize({ artifact });
    const after = await rebuilt.predict({ features: small.features });
    rebuilt.dispose?.();

    expect(artifact.format).toBe(NEURAL_FORMAT);
    expect(artifact.data).toMatchObject({
      spec: { inputs: 2, hiddenLayers: [8, 4], activation: 'tanh' },
      featureNames: ['x', 'y'],
    });
    expect(after).toEqual(before);
    expect(rebuilt.summary).toMatchObject({ epochsRun: 5 });
  });

  it('gives the same predictions from its artifact in a fresh process', async () => {
    const model = await neuralPlugin.train({ ...small, params: params({ epochs: 5 }), seed: 6 });
    const before = await model.predict({ features: small.features });
    const input = JSON.stringify({
      artifact: await model.serialize(),
      features: { ...small.features, values: Array.from(small.features.values) },
    });
    model.dispose?.();
    const script = `
      const { neuralPlugin } = require('./src/plugins/neural');
      const { artifact, features } = JSON.parse(process.env.NEURAL_INPUT);
      neuralPlugin.deserialize({ artifact }).then(async (model) => {
        features.values = Float64Array.from(features.values);
        const predictions = await model.predict({ features });
        process.stdout.write(JSON.stringify(Array.from(predictions)));
      });`;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      { cwd: path.resolve(__dirname, '../../..'), env: { ...process.env, NEURAL_INPUT: input } },
    );

    expect(JSON.parse(stdout)).toEqual(Array.from(before));
  });

  it('leaves no tensor behind after repeated trainings, predictions and disposals', async () => {
    const { tf } = runtime;
    const before = tf.memory().numTensors;
    const afterTraining: number[] = [];

    for (let cycle = 0; cycle < 3; cycle++) {
      const model = await neuralPlugin.train({
        ...small,
        params: params({ hiddenLayers: [8, 8], dropout: 0.1, epochs: 3 }),
        seed: cycle,
      });
      afterTraining.push(tf.memory().numTensors - before);
      await model.predict({ features: small.features });
      const copy = await neuralPlugin.deserialize({ artifact: await model.serialize() });
      await copy.predict({ features: small.features });
      copy.dispose?.();
      model.dispose?.();
    }

    // Only the variables remain while a model lives: a kernel and a bias per layer.
    expect(afterTraining).toEqual([6, 6, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weighs rows: uniform weights change nothing, heavier positives raise scores', async () => {
    const options = params({ epochs: 4 });
    const predict = async (sampleWeights?: Float64Array) => {
      const model = await neuralPlugin.train({ ...small, params: options, seed: 8, sampleWeights });
      const predictions = await model.predict({ features: small.features });
      model.dispose?.();

      return predictions;
    };
    const mean = (values: Float64Array) => values.reduce((a, b) => a + b, 0) / values.length;

    const plain = await predict();
    const uniform = await predict(new Float64Array(small.labels.length).fill(3));
    const heavier = await predict(Float64Array.from(small.labels, (y) => (y ? 5 : 1)));

    expect(uniform).toEqual(plain);
    expect(mean(heavier)).toBeGreaterThan(mean(plain) + 0.1);
  });

  describe('cancellation', () => {
    it('stops between epochs when the signal is aborted and frees its tensors', async () => {
      const { tf } = runtime;
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      const epochs: string[] = [];

      const training = neuralPlugin.train({
        ...small,
        params: params({ epochs: 50 }),
        seed: 1,
        signal: controller.signal,
        onProgress: (p) => {
          epochs.push(p.message ?? '');
          if (epochs.length === 2) controller.abort();
        },
      });

      await expect(training).rejects.toBeInstanceOf(CancelledError);
      expect(epochs).toEqual(['epoch 1/50', 'epoch 2/50']);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('yields to the event loop, so that an abort from a timer is honoured', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 50);

      // A loop that never yielded would run all 2,500 steps and resolve instead.
      const training = neuralPlugin.train({
        ...circles(2000, 3),
        params: params({ epochs: 20, batchSize: 16, validationShare: 0 }),
        seed: 1,
        signal: controller.signal,
      });

      await expect(training).rejects.toBeInstanceOf(CancelledError);
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  describe('bad input', () => {
    const train = (set: Partial<LabelledSet>) =>
      neuralPlugin.train({ ...small, ...set, params: params({ epochs: 1 }), seed: 1 });

    it('refuses NaN and infinite features, naming the row and feature', async () => {
      const values = Float64Array.from(small.features.values);
      values[7] = NaN;
      const infinite = Float64Array.from(small.features.values);
      infinite[0] = Infinity;

      const failure = train({ features: { ...small.features, values } });

      await expect(failure).rejects.toMatchObject({
        code: 'features_not_finite',
        details: [{ line: 3, column: 1, field: 'y' }],
      });
      expect(await codeOf(train({ features: { ...small.features, values: infinite } }))).toBe(
        'features_not_finite',
      );
    });

    it('refuses an empty set, a single class and mismatched lengths', async () => {
      const empty = { features: { rows: 0, cols: 2, values: new Float64Array(0) } };
      const oneClass = { labels: new Uint8Array(small.labels.length).fill(1) };
      const fewerLabels = { labels: small.labels.subarray(1) };
      const shortValues = {
        features: { ...small.features, values: small.features.values.subarray(1) },
      };
      const names = { featureNames: ['x'] };

      expect(await codeOf(train({ ...empty, labels: new Uint8Array(0) }))).toBe(
        'training_set_empty',
      );
      expect(await codeOf(train(oneClass))).toBe('training_set_one_class');
      expect(await codeOf(train(fewerLabels))).toBe('training_set_shape');
      expect(await codeOf(train(shortValues))).toBe('training_set_shape');
      expect(await codeOf(train(names))).toBe('training_set_shape');
    });

    it('refuses rows of the wrong width at prediction and damaged artifacts', async () => {
      const model = await train({});
      const artifact = await model.serialize();
      const data = artifact.data as { layers: { kernel: string; bias: string }[] };
      const truncated = {
        ...artifact,
        data: { ...data, layers: [{ ...data.layers[0], kernel: 'AAAA' }, data.layers[1]] },
      };

      const wide = { rows: 1, cols: 3, values: new Float64Array(3) };
      const nan = { rows: 1, cols: 2, values: Float64Array.of(0, NaN) };

      expect(await codeOf(model.predict({ features: wide }))).toBe('features_shape');
      expect(await codeOf(model.predict({ features: nan }))).toBe('features_not_finite');
      expect(
        await codeOf(neuralPlugin.deserialize({ artifact: { ...artifact, format: 'svm/1' } })),
      ).toBe('artifact_format');
      expect(await codeOf(neuralPlugin.deserialize({ artifact: truncated }))).toBe(
        'artifact_invalid',
      );
      model.dispose?.();
    });
  });

  describe('hyperparameters', () => {
    const validate = compileHyperparameters('neural', neuralPlugin.hyperparameters);

    it('fills every default when none is given', () => {
      expect(validate({}, '$')).toEqual({ ...NEURAL_DEFAULTS, hiddenLayers: [64] });
    });

    it.each([
      [{ dropout: 0.95 }, '$.dropout'],
      [{ activation: 'softmax' }, '$.activation'],
      [{ hiddenLayers: [] }, '$.hiddenLayers'],
      [{ learningRate: 0 }, '$.learningRate'],
      [{ batchsize: 32 }, '$.batchsize'],
    ])('refuses %j', (given, path) => {
      expect(() => validate(given, '$')).toThrow(
        expect.objectContaining({
          code: 'plugin_params_invalid',
          details: [expect.objectContaining({ path })],
        }),
      );
    });
  });

  it('takes the steps of TensorFlow.js Adam, with the decay added to the gradient', () => {
    const { tf } = runtime;
    const start = Float32Array.of(0.5, -1, 2);
    const gradients = [
      [0.1, -0.2, 0.3],
      [1, 1, -1],
      [0.01, 0, 5],
      [-3, 0.5, 0.5],
    ];
    const decay = 0.1;
    const ours = [start.slice()];
    const adam = new Adam(0.01, [3]);
    const variable = tf.variable(tf.tensor1d(start));
    const optimizer = tf.train.adam(0.01);

    for (const g of gradients) {
      adam.update(ours, [g], [decay]);
      const w = variable.dataSync();
      const decayed = tf.tensor1d(g.map((gi, i) => gi + 2 * decay * w[i]));
      optimizer.applyGradients([{ name: variable.name, tensor: decayed }]);
      decayed.dispose();
    }
    const theirs = Array.from(variable.dataSync());
    optimizer.dispose();
    variable.dispose();

    expect(Array.from(ours[0])).not.toEqual(Array.from(start));
    ours[0].forEach((w, i) => expect(w).toBeCloseTo(theirs[i], 6));
  });

  it.each(ACTIVATIONS)(
    'differentiates its hand-written ops as TensorFlow.js differentiates plain ones (%s)',
    (activation) => {
      const { tf } = runtime;
      const random = createRandom(17);
      const spec = { inputs: 3, hiddenLayers: [5, 4], activation };
      const widths = [3, 5, 4, 1];
      const weights = widths.slice(1).map((out, l) => ({
        kernel: Float32Array.from({ length: widths[l] * out }, () => random.normal()),
        bias: Float32Array.from({ length: out }, () => random.normal()),
      }));
      const network = Network.create(tf, spec, weights);
      const x = tf.tensor2d(
        Float32Array.from({ length: 21 }, () => random.normal()),
        [7, 3],
      );
      const y = tf.tensor2d([1, 0, 0, 1, 1, 0, 1], [7, 1]);
      const w = tf.tensor2d([1, 2, 0.5, 1, 3, 1, 1], [7, 1]);
      const plain = () => {
        let h: typeof x = x;
        network.kernels.forEach((kernel, l) => {
          const z = tf.add(tf.matMul(h, kernel), network.biases[l]) as typeof x;
          h = l < network.kernels.length - 1 ? (tf[activation](z) as typeof x) : z;
        });
        const perRow = tf.losses.sigmoidCrossEntropy(y, h, undefined, 0, tf.Reduction.NONE);

        return tf.mean(tf.mul(perRow, w)) as ReturnType<typeof meanCrossEntropy>;
      };

      const written = tf.variableGrads(
        () => meanCrossEntropy(tf, network.trainingLogits(x, { rate: 0, seed: 0 }), y, w),
        network.variables,
      );
      const reference = tf.variableGrads(plain, network.variables);

      expect(written.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 5);
      for (const v of network.variables) {
        const got = Array.from(written.grads[v.name].dataSync());
        const want = Array.from(reference.grads[v.name].dataSync());
        got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 4));
      }
      tf.dispose([x, y, w, written.value, reference.value]);
      tf.dispose([...Object.values(written.grads), ...Object.values(reference.grads)]);
      network.dispose();
    },
  );
});
