import { CancelledError } from '../../../src/common/errors';
import { createRandom } from '../../../src/common/random';
import {
  FeatureMatrix,
  ModelArtifact,
  ModelPlugin,
  TrainedModel,
  yieldToEventLoop,
} from '../../../src/plugins/contract';
import type {
  CustomerAttributes,
  DatasetSchema,
} from '../../../src/modules/datasets/dataset-schema';

/** Plugins written for the tests: a small logistic regression and ones that misbehave. */

interface FakeParams {
  epochs: number;
  learningRate: number;
}

class FakeLinearModel implements TrainedModel {
  disposed = false;

  constructor(
    readonly weights: Float64Array,
    readonly bias: number,
    private readonly distort: (p: Float64Array) => Float64Array = (p) => p,
  ) {}

  async predict({ features }: { features: FeatureMatrix }): Promise<Float64Array> {
    if (this.disposed) throw new Error('disposed');
    const out = new Float64Array(features.rows);
    for (let i = 0; i < features.rows; i++) {
      let z = this.bias;
      for (let j = 0; j < features.cols; j++) {
        z += this.weights[j] * features.values[i * features.cols + j];
      }
      out[i] = 1 / (1 + Math.exp(-z));
    }

    return this.distort(out);
  }

  async serialize(): Promise<ModelArtifact> {
    return { format: 'fake-linear/1', data: { weights: [...this.weights], bias: this.bias } };
  }

  dispose(): void {
    this.disposed = true;
  }

  get summary(): Record<string, unknown> {
    return { features: this.weights.length };
  }
}

/** Every model a fake plugin trained, so a test can check they were all disposed. */
export const trainedModels: FakeLinearModel[] = [];

/** Full-batch gradient descent on the log loss; good enough on the synthetic data below. */
export function fakeLinearPlugin(
  options: {
    id?: string;
    distort?: (p: Float64Array) => Float64Array;
    /** Called before each epoch; lets a test cancel mid-training. */
    onEpoch?: (epoch: number) => void;
    /** Waits this long after each epoch, so that a training lasts long enough to cancel. */
    epochDelayMs?: number;
  } = {},
): ModelPlugin<FakeParams> {
  return {
    id: options.id ?? 'fake-linear',
    version: '0.0.1',
    displayName: 'Fake linear model',
    description: 'Logistic regression by gradient descent, for tests.',
    hyperparameters: {
      type: 'object',
      properties: {
        epochs: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
        learningRate: { type: 'number', exclusiveMinimum: 0, default: 0.5 },
      },
      additionalProperties: false,
    },
    async train({ features, labels, params, signal, onProgress }) {
      const { rows, cols, values } = features;
      const weights = new Float64Array(cols);
      let bias = 0;
      for (let epoch = 0; epoch < params.epochs; epoch++) {
        options.onEpoch?.(epoch);
        if (signal?.aborted) throw new CancelledError();
        const gradient = new Float64Array(cols);
        let gradientBias = 0;
        for (let i = 0; i < rows; i++) {
          let z = bias;
          for (let j = 0; j < cols; j++) z += weights[j] * values[i * cols + j];
          const error = 1 / (1 + Math.exp(-z)) - labels[i];
          for (let j = 0; j < cols; j++) gradient[j] += error * values[i * cols + j];
          gradientBias += error;
        }
        for (let j = 0; j < cols; j++) weights[j] -= (params.learningRate * gradient[j]) / rows;
        bias -= (params.learningRate * gradientBias) / rows;
        if (options.epochDelayMs) {
          await new Promise((resolve) => setTimeout(resolve, options.epochDelayMs));
        }
        if (epoch % 20 === 0) {
          onProgress?.({ fraction: epoch / params.epochs, message: `epoch ${epoch}` });
          await yieldToEventLoop();
        }
      }
      const model = new FakeLinearModel(weights, bias, options.distort);
      trainedModels.push(model);

      return model;
    },
    async deserialize({ artifact }) {
      const data = artifact.data as { weights: number[]; bias: number };

      return new FakeLinearModel(Float64Array.from(data.weights), data.bias, options.distort);
    },
  };
}

/**
 * Customers with two numeric attributes and a category; the log-odds of responding are
 * linear in them, so a linear model reaches a ROC AUC of about 0.85.
 */
export function syntheticCustomers(
  rows: number,
  seed = 7,
): { schema: DatasetSchema; records: CustomerAttributes[]; labels: Uint8Array } {
  const random = createRandom(seed);
  const records: CustomerAttributes[] = [];
  const labels = new Uint8Array(rows);
  const segments = ['north', 'south', 'east'];
  for (let i = 0; i < rows; i++) {
    const age = 20 + random.int(60);
    const balance = random.normal() * 1000 + 500;
    const segment = segments[random.int(3)];
    const z = -2 + 0.05 * (age - 50) + 0.0012 * (balance - 500) + (segment === 'south' ? 1.2 : 0);
    labels[i] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    records.push({ age, balance, segment, y: labels[i] ? 'yes' : 'no' });
  }
  const schema: DatasetSchema = {
    columns: [
      { name: 'age', type: 'numeric', role: 'feature' },
      { name: 'balance', type: 'numeric', role: 'feature' },
      { name: 'segment', type: 'categorical', role: 'feature' },
      { name: 'y', type: 'categorical', role: 'target' },
    ],
    target: 'y',
    positiveLabel: 'yes',
  };

  return { schema, records, labels };
}
