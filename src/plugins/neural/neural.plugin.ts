/**
 * The `neural` model plugin: a feed-forward network on TensorFlow.js.
 *
 * Network: the standardised feature row, then `hiddenLayers` dense layers (relu, tanh, sigmoid
 * or elu, each followed by dropout while training), then one dense unit whose logit goes
 * through a sigmoid to give P(y = 1). Weights start He-uniform (relu, elu) or Glorot-uniform
 * (otherwise), drawn from the training seed; biases start at zero.
 *
 * Loss: binary cross-entropy averaged over the training rows (weighted by `sampleWeights`
 * when given, scaled to a mean weight of one), plus `l2` times the sum of squared kernel
 * entries.
 *
 * Training: Adam with `learningRate` over mini-batches of `batchSize` rows, shuffled each
 * epoch with the seed. A stratified `validationShare` of the rows is held back; after each
 * epoch the loss on it is measured, and once it has not improved for `patience` epochs (or
 * after `epochs`) training stops and the weights of the best epoch are restored. The same
 * seed, data and backend give the same predictions.
 */
import type * as TensorFlow from '@tensorflow/tfjs';
import { loadTensorFlow } from '../../common/tensorflow';
import { createRandom } from '../../common/random';
import {
  CONTRACT_VERSION,
  FeatureContributions,
  FeatureMatrix,
  ModelArtifact,
  ModelPlugin,
  TrainedModel,
} from '../contract';
import { fromArtifact, toArtifact } from './artifact';
import { NeuralParams, neuralHyperparameters } from './hyperparameters';
import { checkFeatures, checkTrainingSet } from './input';
import { initialWeights, Network, NetworkSpec } from './network';
import { fitNetwork } from './training';

/** Rows per gradient pass of `explain`: bounds the memory the backward pass holds. */
const EXPLAIN_CHUNK_ROWS = 8192;

class NeuralModel implements TrainedModel {
  private disposed = false;

  constructor(
    private readonly network: Network,
    private readonly featureNames: readonly string[],
    readonly summary: Readonly<Record<string, unknown>>,
  ) {}

  async predict({ features }: { readonly features: FeatureMatrix }): Promise<Float64Array> {
    this.assertLive();
    checkFeatures(features, this.network.spec.inputs, 'features_shape', this.featureNames);

    return this.network.predict(features);
  }

  /**
   * Gradient times input: xᵢⱼ·∂logitᵢ/∂xᵢⱼ, an approximation of each feature's share of the
   * row's log-odds (exact only for a network that is linear in its inputs). Every tensor is
   * made inside `tidy`, so nothing outlives a chunk.
   */
  async explain({ features }: { readonly features: FeatureMatrix }): Promise<FeatureContributions> {
    this.assertLive();
    checkFeatures(features, this.network.spec.inputs, 'features_shape', this.featureNames);

    const { tf } = await loadTensorFlow();
    const { rows, cols } = features;
    const out = new Float64Array(rows * cols);
    // A row's logit depends on that row alone, so the gradient of their sum is per row.
    const gradient = tf.grad((x: TensorFlow.Tensor) =>
      tf.sum(this.network.logits(x as TensorFlow.Tensor2D)),
    );
    for (let start = 0; start < rows; start += EXPLAIN_CHUNK_ROWS) {
      const end = Math.min(rows, start + EXPLAIN_CHUNK_ROWS);
      const chunk = Float32Array.from(features.values.subarray(start * cols, end * cols));
      const contributions = tf.tidy(() => {
        const x = tf.tensor2d(chunk, [end - start, cols]);

        return tf.mul(gradient(x), x);
      });
      out.set(contributions.dataSync(), start * cols);
      contributions.dispose();
    }

    return { rows, cols, values: out };
  }

  async serialize(): Promise<ModelArtifact> {
    this.assertLive();

    return toArtifact(
      this.network.spec,
      this.network.readWeights(),
      this.featureNames,
      this.summary,
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.network.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('This neural model has been disposed.');
  }
}

export const neuralPlugin: ModelPlugin<NeuralParams> = {
  id: 'neural',
  version: '1.0.0',
  contractVersion: CONTRACT_VERSION,
  capabilities: { sampleWeights: true, explain: true },
  displayName: 'Neural network',
  description:
    'A feed-forward network (TensorFlow.js) trained with Adam on cross-entropy, stopping ' +
    'early on a held-back validation share; finds non-linear patterns and interactions.',
  hyperparameters: neuralHyperparameters,

  async train(args) {
    checkTrainingSet(args);

    const { tf, backend } = await loadTensorFlow();
    const { params, features } = args;
    const spec: NetworkSpec = {
      inputs: features.cols,
      hiddenLayers: [...params.hiddenLayers],
      activation: params.activation,
    };
    const network = Network.create(
      tf,
      spec,
      initialWeights(spec, createRandom(`${args.seed}:init`)),
    );
    const started = Date.now();

    try {
      const report = await fitNetwork(tf, network, args);

      return new NeuralModel(network, args.featureNames, {
        backend,
        parameters: network.parameterCount,
        ...report,
        fitSeconds: (Date.now() - started) / 1000,
      });
    } catch (error) {
      network.dispose();
      throw error;
    }
  },

  async deserialize({ artifact }) {
    const { spec, weights, featureNames, summary } = fromArtifact(artifact);
    const { tf } = await loadTensorFlow();

    return new NeuralModel(Network.create(tf, spec, weights), featureNames, summary);
  },
};
