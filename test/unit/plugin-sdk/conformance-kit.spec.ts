import { loadTensorFlow } from '../../../src/common/tensorflow';
import {
  CancelledError,
  checkTrainingSet,
  FeatureMatrix,
  ModelPlugin,
  sigmoid,
  TrainArgs,
  TrainedModel,
} from '../../../src/plugin-sdk';
import {
  badInputCheck,
  cancellationCheck,
  ConformanceCheck,
  conformanceChecks,
  ConformanceFailure,
  ConformanceOptions,
  createConformanceContext,
  defaultsCheck,
  determinismCheck,
  explainCheck,
  manifestCheck,
  memoryCheck,
  probabilitiesCheck,
  roundTripCheck,
  separableCheck,
} from '../../../src/plugin-sdk/testing';

/**
 * A small plugin that passes every check: it scores a row by its projection on the line
 * between the two class centroids. Each test below breaks one thing about it and expects
 * the matching check, and only that check, to say so.
 */
interface Centroids {
  weights: number[];
  bias: number;
}

class CentroidModel implements TrainedModel {
  constructor(readonly fitted: Centroids) {}

  async predict({ features }: { readonly features: FeatureMatrix }): Promise<Float64Array> {
    return this.score(features).map(sigmoid);
  }

  async explain({ features }: { readonly features: FeatureMatrix }) {
    const { weights } = this.fitted;
    const values = features.values.map((x, k) => weights[k % features.cols] * x);

    return { rows: features.rows, cols: features.cols, values };
  }

  async serialize() {
    return { format: 'centroid/1', data: this.fitted as unknown };
  }

  score({ rows, cols, values }: FeatureMatrix): Float64Array {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let z = this.fitted.bias;
      for (let j = 0; j < cols; j++) z += this.fitted.weights[j] * values[i * cols + j];
      out[i] = z;
    }

    return out;
  }
}

function centroids({ features, labels }: Pick<TrainArgs<object>, 'features' | 'labels'>) {
  const { rows, cols, values } = features;
  const sums = [new Float64Array(cols), new Float64Array(cols)];
  const counts = [0, 0];
  for (let i = 0; i < rows; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < cols; j++) sums[labels[i]][j] += values[i * cols + j];
  }
  const [m0, m1] = sums.map((s, c) => Array.from(s, (v) => v / counts[c]));
  const weights = m1.map((v, j) => 2 * (v - m0[j]));
  const bias = -weights.reduce((acc, w, j) => acc + (w * (m0[j] + m1[j])) / 2, 0);

  return { weights, bias };
}

function centroidPlugin(
  changes: Partial<ModelPlugin<{ scale: number }>> = {},
): ModelPlugin<{ scale: number }> {
  return {
    id: 'centroid',
    version: '1.0.0',
    contractVersion: '1.0.0',
    displayName: 'Centroid',
    description: 'Projects rows on the line between the class centroids.',
    capabilities: { explain: true },
    hyperparameters: {
      type: 'object',
      properties: { scale: { type: 'number', exclusiveMinimum: 0, default: 1 } },
      additionalProperties: false,
    },
    async train(args) {
      checkTrainingSet(args);
      if (args.signal?.aborted) throw new CancelledError();
      args.onProgress?.({ fraction: 0.5 });
      await new Promise((resolve) => setImmediate(resolve));
      if (args.signal?.aborted) throw new CancelledError();

      return new CentroidModel(centroids(args));
    },
    async deserialize({ artifact }) {
      return new CentroidModel(artifact.data as Centroids);
    },
    ...changes,
  };
}

async function failure(
  check: ConformanceCheck,
  plugin: ModelPlugin<object>,
  options: ConformanceOptions = {},
): Promise<string> {
  const context = createConformanceContext(plugin, { trainingRows: 200, ...options });
  try {
    await check.run(context);
  } catch (error) {
    if (error instanceof ConformanceFailure) return error.message;
    throw error;
  } finally {
    context.dispose();
  }

  throw new Error(`${check.name} passed`);
}

describe('the conformance kit', () => {
  it('passes a plugin that keeps the contract, check by check', async () => {
    const plugin = centroidPlugin();
    const context = createConformanceContext(plugin, { trainingRows: 200 });
    const passed: string[] = [];
    for (const check of conformanceChecks(plugin)) {
      await check.run(context);
      passed.push(check.name);
    }
    context.dispose();

    expect(passed).toHaveLength(10);
    expect(passed).toContain(explainCheck.name);
  });

  it('checks explanations and sample weights only for plugins that declare them', () => {
    const plain = conformanceChecks(centroidPlugin({ capabilities: {} }));
    const weighted = conformanceChecks(centroidPlugin({ capabilities: { sampleWeights: true } }));

    expect(plain).toHaveLength(9);
    expect(plain).not.toContain(explainCheck);
    expect(weighted.map((c) => c.name)).toContain(
      'trains with sample weights and refuses weights of the wrong length',
    );
  });

  it('reports manifest problems with their JSON paths, and a contract it cannot run', async () => {
    const invalid = await failure(manifestCheck, centroidPlugin({ id: 'Centroid', version: '1' }));
    const newer = await failure(manifestCheck, centroidPlugin({ contractVersion: '2.0.0' }));

    expect(invalid).toContain('$.id must match pattern');
    expect(invalid).toContain('$.version must match pattern');
    expect(newer).toContain('major versions differ');
  });

  it('fails defaults that break their own schema', async () => {
    const message = await failure(
      defaultsCheck,
      centroidPlugin({
        hyperparameters: {
          type: 'object',
          properties: { scale: { type: 'number', exclusiveMinimum: 0, default: 0 } },
        },
      }),
    );

    expect(message).toContain('the defaults alone');
    expect(message).toContain('$.params.scale must be > 0');
  });

  it('fails a model that does not learn', async () => {
    const message = await failure(
      separableCheck,
      centroidPlugin({ train: async () => new CentroidModel({ weights: [0, 0, 0, 0], bias: 0 }) }),
    );

    expect(message).toMatch(/ROC AUC on linearly separable rows is 0\.5000, below 0\.95/);
  });

  it('fails probabilities outside [0, 1], also those that only go wrong far out', async () => {
    class Overshooting extends CentroidModel {
      override async predict({ features }: { readonly features: FeatureMatrix }) {
        return this.score(features).map((z) => 0.5 + z / 100);
      }
    }
    const message = await failure(
      probabilitiesCheck,
      centroidPlugin({ train: async (args) => new Overshooting(centroids(args)) }),
    );

    expect(message).toMatch(/^predict on rows 1000 times further out.* returned .* for row \d+/);
  });

  it('fails a training that does not draw its randomness from the seed', async () => {
    const message = await failure(
      determinismCheck,
      centroidPlugin({
        train: async (args) => {
          const fitted = centroids(args);

          return new CentroidModel({ ...fitted, bias: fitted.bias + Math.random() });
        },
      }),
    );

    expect(message).toMatch(/two trainings with seed 42 disagree at test row 0/);
  });

  it('fails an artifact that does not survive JSON', async () => {
    class TypedArtifact extends CentroidModel {
      override async serialize() {
        const { weights, bias } = this.fitted;

        return { format: 'centroid/1', data: { weights: Float64Array.from(weights), bias } };
      }
    }
    const message = await failure(
      roundTripCheck,
      centroidPlugin({
        train: async (args) => new TypedArtifact(centroids(args)),
        deserialize: async ({ artifact }) => {
          const data = artifact.data as { weights: ArrayLike<number>; bias: number };

          return new CentroidModel({ weights: Array.from(data.weights), bias: data.bias });
        },
      }),
    );

    expect(message).toBe(
      'predict on the test rows after serialize → JSON → deserialize returned NaN for row 0; ' +
        'each must be in [0, 1]',
    );
  });

  it('fails a plugin that keeps every training set alive', async () => {
    const kept: Float64Array[] = [];
    const message = await failure(
      memoryCheck,
      centroidPlugin({
        train: async (args) => {
          kept.push(new Float64Array(256 * 1024));

          return new CentroidModel(centroids(args));
        },
      }),
    );

    expect(kept).toHaveLength(7);
    // Five cycles keep 5 × 2 MiB; the heap reading around that varies by a few hundred KiB.
    const grown = Number(/memory grew by (\d+\.\d) MiB over 5 cycles/.exec(message)?.[1]);
    expect(grown).toBeGreaterThan(8);
    expect(grown).toBeLessThan(12);
  });

  it('fails a plugin that leaves TensorFlow.js tensors behind', async () => {
    const { tf } = await loadTensorFlow();
    const leaked: unknown[] = [];
    const message = await failure(
      memoryCheck,
      centroidPlugin({
        train: async (args) => {
          leaked.push(tf.zeros([4]));

          return new CentroidModel(centroids(args));
        },
      }),
      { tensorFlow: tf },
    );
    tf.dispose(leaked as never[]);

    expect(message).toMatch(/^5 tensors were left behind by 5 cycles/);
  });

  it('fails a training that ignores its signal, or stops too slowly', async () => {
    const ignoring = await failure(
      cancellationCheck,
      centroidPlugin({ train: async (args) => new CentroidModel(centroids(args)) }),
    );
    const slow = await failure(
      cancellationCheck,
      centroidPlugin({
        train: async (args) => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          if (args.signal?.aborted) throw new CancelledError();

          return new CentroidModel(centroids(args));
        },
      }),
      { cancelWithinMs: 100 },
    );

    expect(ignoring).toContain('train finished normally after a signal aborted before');
    expect(slow).toMatch(/train took \d+ ms to stop after a signal aborted before .*100 ms/);
  });

  it('fails bad training sets that are accepted or refused without a code', async () => {
    const accepting = await failure(
      badInputCheck,
      centroidPlugin({ train: async (args) => new CentroidModel(centroids(args)) }),
    );
    const vague = await failure(
      badInputCheck,
      centroidPlugin({
        train: async () => {
          throw new Error('bad data');
        },
      }),
    );

    expect(accepting).toContain('train accepted a NaN feature value');
    expect(vague).toContain('with a NaN feature value, train threw Error: bad data');
  });

  it('fails explanations that do not follow the model', async () => {
    class Backwards extends CentroidModel {
      override async explain({ features }: { readonly features: FeatureMatrix }) {
        const values = features.values.map((x, k) => (k % features.cols >= 2 ? x : 0));

        return { rows: features.rows, cols: features.cols, values };
      }
    }
    const message = await failure(
      explainCheck,
      centroidPlugin({ train: async (args) => new Backwards(centroids(args)) }),
    );

    expect(message).toMatch(/the two features that decide the label contribute 0\.0000/);
  });
});
