import type * as TensorFlow from '@tensorflow/tfjs';
import { Random } from '../../common/random';
import { FeatureMatrix } from '../contract';
import { Activation } from './hyperparameters';

type Tf = typeof TensorFlow;

/** The shape of the network: inputs, hidden layers, one logit out. */
export interface NetworkSpec {
  readonly inputs: number;
  readonly hiddenLayers: readonly number[];
  readonly activation: Activation;
}

/** One dense layer's parameters; `kernel` is row-major `[fanIn, fanOut]`. */
export interface DenseWeights {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * Values per activation tensor in a forward pass over many rows (16 MB of float32). Passes
 * are large because each has a fixed cost, and bounded so that wide layers fit in memory.
 */
const CHUNK_VALUES = 2 ** 22;

/** Layer widths from input to output, e.g. `[51, 64, 1]`. */
export function layerWidths(spec: NetworkSpec): number[] {
  return [spec.inputs, ...spec.hiddenLayers, 1];
}

/**
 * Seeded starting weights: He-uniform ahead of relu and elu, Glorot-uniform ahead of tanh,
 * sigmoid and the output logit; biases start at zero.
 */
export function initialWeights(spec: NetworkSpec, random: Random): DenseWeights[] {
  const widths = layerWidths(spec);
  const layers: DenseWeights[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l];
    const fanOut = widths[l + 1];
    const isHidden = l + 2 < widths.length;
    const rectified = isHidden && (spec.activation === 'relu' || spec.activation === 'elu');
    const limit = rectified ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * random.next() - 1) * limit;
    layers.push({ kernel, bias: new Float32Array(fanOut) });
  }

  return layers;
}

/** A feed-forward network whose parameters live in TensorFlow.js variables. */
export class Network {
  private constructor(
    private readonly tf: Tf,
    readonly spec: NetworkSpec,
    readonly kernels: TensorFlow.Variable[],
    readonly biases: TensorFlow.Variable[],
  ) {}

  static create(tf: Tf, spec: NetworkSpec, weights: readonly DenseWeights[]): Network {
    const widths = layerWidths(spec);
    // The tensors that seed the variables are temporary: tidy frees them, the variables stay.
    const [kernels, biases] = tf.tidy(() => [
      weights.map((w, l) => tf.variable(tf.tensor2d(w.kernel, [widths[l], widths[l + 1]]))),
      weights.map((w) => tf.variable(tf.tensor1d(w.bias))),
    ]);

    return new Network(tf, spec, kernels, biases);
  }

  get variables(): TensorFlow.Variable[] {
    return [...this.kernels, ...this.biases];
  }

  /** Rows per forward pass over a large set: 65,536, fewer when a layer is wider than 64. */
  get chunkRows(): number {
    const widest = Math.max(...layerWidths(this.spec));

    return Math.max(256, Math.min(65536, Math.floor(CHUNK_VALUES / widest)));
  }

  get parameterCount(): number {
    return this.variables.reduce((sum, v) => sum + v.size, 0);
  }

  /** Logits `[rows, 1]` for inference: no dropout, activations fused where the backend can. */
  logits(x: TensorFlow.Tensor2D): TensorFlow.Tensor2D {
    const { tf } = this;
    const fused = this.spec.activation === 'tanh' ? 'linear' : this.spec.activation;
    let h = x;
    const last = this.kernels.length - 1;
    for (let l = 0; l < last; l++) {
      const z = tf.fused.matMul({
        a: h,
        b: this.kernels[l],
        bias: this.biases[l],
        activation: fused,
      }) as TensorFlow.Tensor2D;
      h = fused === 'linear' ? this.activate(z) : z;
    }

    const logits = tf.fused.matMul({ a: h, b: this.kernels[last], bias: this.biases[last] });

    return logits as TensorFlow.Tensor2D;
  }

  /**
   * Logits `[rows, 1]` for a training step, to be differentiated. Hidden units are dropped at
   * `dropout.rate` with masks drawn from `dropout.seed`, so that a step repeats exactly.
   */
  trainingLogits(
    x: TensorFlow.Tensor2D,
    dropout: { rate: number; seed: number },
  ): TensorFlow.Tensor2D {
    const { tf } = this;
    let h = x;
    const last = this.kernels.length - 1;
    for (let l = 0; l < last; l++) {
      h = this.activate(this.dense(h, l));
      if (dropout.rate > 0) {
        h = tf.dropout(h, dropout.rate, undefined, dropout.seed + l) as TensorFlow.Tensor2D;
      }
    }

    return this.dense(h, last);
  }

  /** P(y = 1) for every row, computed in large chunks. */
  predict(features: FeatureMatrix): Float64Array {
    const { tf } = this;
    const out = new Float64Array(features.rows);
    const chunkRows = this.chunkRows;
    for (let start = 0; start < features.rows; start += chunkRows) {
      const end = Math.min(features.rows, start + chunkRows);
      const chunk = Float32Array.from(
        features.values.subarray(start * features.cols, end * features.cols),
      );
      const probabilities = tf.tidy(() =>
        tf.sigmoid(this.logits(tf.tensor2d(chunk, [end - start, features.cols]))),
      );
      out.set(probabilities.dataSync(), start);
      probabilities.dispose();
    }

    return out;
  }

  /** Copies of the parameters, in the order of `variables`: kernels, then biases. */
  readParameters(): Float32Array[] {
    return this.variables.map((v) => Float32Array.from(v.dataSync()));
  }

  /** Replaces the parameters, given in the order of `variables`. */
  writeParameters(values: readonly Float32Array[]): void {
    const { tf } = this;
    tf.tidy(() => this.variables.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape))));
  }

  /** The parameters layer by layer. */
  readWeights(): DenseWeights[] {
    const values = this.readParameters();
    const layers = this.kernels.length;

    return values.slice(0, layers).map((kernel, l) => ({ kernel, bias: values[layers + l] }));
  }

  dispose(): void {
    this.tf.dispose(this.variables);
  }

  /**
   * `x·W + b` with a hand-written gradient. On the wasm backend a matrix product with a
   * transposed operand runs about ten times slower than transposing first and multiplying
   * plainly, and the built-in gradient of a product multiplies transposed operands. The first
   * layer's input is no variable, so its gradient is not computed at all.
   */
  private dense(x: TensorFlow.Tensor2D, layer: number): TensorFlow.Tensor2D {
    const { tf } = this;
    const product = (input: TensorFlow.Tensor, w: TensorFlow.Tensor, b: TensorFlow.Tensor) =>
      tf.fused.matMul({ a: input as TensorFlow.Tensor2D, b: w as TensorFlow.Tensor2D, bias: b });
    // Column sums as a product with a row of ones: the wasm backend reduces along rows slowly.
    const weightGradients = (input: TensorFlow.Tensor, dz: TensorFlow.Tensor) => [
      tf.matMul(tf.transpose(input), dz),
      tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [dz.shape[1]!]),
    ];

    if (layer === 0) {
      // The batch rows were made outside the differentiated function, so they outlive it.
      const op = tf.customGrad((w, b) => ({
        value: product(x, w as TensorFlow.Tensor, b as TensorFlow.Tensor),
        gradFunc: (dz: TensorFlow.Tensor) => weightGradients(x, dz),
      }));

      return op(this.kernels[0], this.biases[0]) as TensorFlow.Tensor2D;
    }

    // A hidden layer's input is freed after the forward pass unless saved for the backward one.
    const op = tf.customGrad((input, w, b, save) => {
      (save as TensorFlow.GradSaveFunc)([input as TensorFlow.Tensor, w as TensorFlow.Tensor]);

      return {
        value: product(input as TensorFlow.Tensor, w as TensorFlow.Tensor, b as TensorFlow.Tensor),
        gradFunc: (dz: TensorFlow.Tensor, [savedInput, savedW]: TensorFlow.Tensor[]) => [
          tf.matMul(dz, tf.transpose(savedW)),
          ...weightGradients(savedInput, dz),
        ],
      };
    });

    return op(x, this.kernels[layer], this.biases[layer]) as TensorFlow.Tensor2D;
  }

  private activate(z: TensorFlow.Tensor2D): TensorFlow.Tensor2D {
    const { tf } = this;
    switch (this.spec.activation) {
      case 'relu':
        return tf.relu(z);
      case 'tanh':
        return tf.tanh(z);
      case 'sigmoid':
        return tf.sigmoid(z);
      case 'elu':
        return tf.elu(z);
    }
  }
}

/**
 * Mean binary cross-entropy of logits against 0/1 labels, optionally weighted per row, in the
 * stable form `max(z, 0) - z·y + log(1 + exp(-|z|))`. Its gradient is written out,
 * `(sigmoid(z) - y)·w / rows`, which takes a handful of ops instead of a dozen. `labels` and
 * `weights` must be made outside a differentiated function, so that they outlive it.
 */
export function meanCrossEntropy(
  tf: Tf,
  logits: TensorFlow.Tensor2D,
  labels: TensorFlow.Tensor2D,
  weights?: TensorFlow.Tensor2D,
): TensorFlow.Scalar {
  const op = tf.customGrad((z, save) => {
    const logit = z as TensorFlow.Tensor2D;
    (save as TensorFlow.GradSaveFunc)([logit]);
    const perRow = tf.add(
      tf.sub(tf.relu(logit), tf.mul(logit, labels)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logit)))),
    );

    return {
      value: tf.mean(weights ? tf.mul(perRow, weights) : perRow),
      gradFunc: (dy: TensorFlow.Tensor, [saved]: TensorFlow.Tensor[]) => {
        const residual = tf.sub(tf.sigmoid(saved), labels);
        const scale = tf.div(dy, saved.shape[0]);

        return tf.mul(weights ? tf.mul(residual, weights) : residual, scale);
      },
    };
  });

  return op(logits) as TensorFlow.Scalar;
}
