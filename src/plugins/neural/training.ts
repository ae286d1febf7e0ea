import type * as TensorFlow from '@tensorflow/tfjs';
import { CancelledError } from '../../common/errors';
import { createRandom } from '../../common/random';
import { FeatureMatrix, TrainingProgress, yieldToEventLoop } from '../contract';
import { Adam } from './adam';
import { NeuralParams } from './hyperparameters';
import { meanCrossEntropy, Network } from './network';

type Tf = typeof TensorFlow;

/** How long training may hold the event loop before it lets other work run. */
const YIELD_EVERY_MS = 50;

/** A validation loss must fall by more than this to count as an improvement. */
const MIN_IMPROVEMENT = 1e-4;

export interface FitInput {
  readonly features: FeatureMatrix;
  readonly labels: Uint8Array;
  readonly sampleWeights?: Float64Array;
  readonly params: NeuralParams;
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainingProgress) => void;
}

export interface FitReport {
  readonly epochsRun: number;
  /** The epoch whose weights the network ends with (the best on validation, or the last). */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly trainingRows: number;
  readonly validationRows: number;
  /** Mean cross-entropy over the training rows in the last epoch run. */
  readonly trainingLoss: number;
  /** Mean cross-entropy on the validation rows at the best epoch. */
  readonly validationLoss?: number;
  readonly secondsPerEpoch: number;
}

/** Rows of the training set copied to float32: features, labels, weights of mean one. */
interface RowSet {
  readonly rows: number;
  readonly cols: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly w?: Float32Array;
}

/** Row indices for training and for validation, stratified by label and seeded. */
export function splitRows(
  labels: Uint8Array,
  share: number,
  seed: number,
): { training: Int32Array; validation: Int32Array } {
  const random = createRandom(`${seed}:split`);
  const training: number[] = [];
  const validation: number[] = [];
  for (const label of [0, 1]) {
    const rows: number[] = [];
    labels.forEach((y, i) => y === label && rows.push(i));
    random.shuffle(rows);
    // Each class keeps at least one training row, so a tiny set still trains on both.
    const held = Math.min(Math.round(rows.length * share), rows.length - 1);
    validation.push(...rows.slice(0, held));
    training.push(...rows.slice(held));
  }

  return {
    training: Int32Array.from(training.sort((a, b) => a - b)),
    validation: Int32Array.from(validation.sort((a, b) => a - b)),
  };
}

function pickRows(input: FitInput, rows: ArrayLike<number>): RowSet {
  const { cols, values } = input.features;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    x.set(values.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
    y[i] = input.labels[rows[i]];
  }
  const weights = input.sampleWeights;
  if (!weights) return { rows: rows.length, cols, x, y };

  const w = new Float32Array(rows.length);
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += w[i] = weights[rows[i]];
  const scale = total > 0 ? rows.length / total : 1;
  for (let i = 0; i < rows.length; i++) w[i] *= scale;

  return { rows: rows.length, cols, x, y, w };
}

/** Tensors of the rows `order[start..end)`, copied in JavaScript (faster than a gather op). */
function batchTensors(tf: Tf, set: RowSet, order: ArrayLike<number>, start = 0, end = set.rows) {
  const { cols } = set;
  const rows = end - start;
  const x = new Float32Array(rows * cols);
  const y = new Float32Array(rows);
  const w = set.w ? new Float32Array(rows) : undefined;
  for (let i = 0; i < rows; i++) {
    const row = order[start + i];
    x.set(set.x.subarray(row * cols, (row + 1) * cols), i * cols);
    y[i] = set.y[row];
    if (w) w[i] = set.w![row];
  }

  return {
    x: tf.tensor2d(x, [rows, cols]),
    y: tf.tensor2d(y, [rows, 1]),
    w: w && tf.tensor2d(w, [rows, 1]),
  };
}

/** Training state kept in JavaScript: the parameters, Adam's moments, each variable's decay. */
interface Trainer {
  readonly parameters: Float32Array[];
  readonly adam: Adam;
  readonly decay: number[];
}

/** One Adam step on a batch; returns the batch's mean cross-entropy. */
function trainStep(
  tf: Tf,
  network: Network,
  trainer: Trainer,
  batch: { x: TensorFlow.Tensor2D; y: TensorFlow.Tensor2D; w?: TensorFlow.Tensor2D },
  dropout: { rate: number; seed: number },
): number {
  let loss = NaN;
  let gradients: ArrayLike<number>[] = [];
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => meanCrossEntropy(tf, network.trainingLogits(batch.x, dropout), batch.y, batch.w),
      network.variables,
    );
    loss = value.dataSync()[0];
    gradients = network.variables.map((v) => grads[v.name].dataSync());
  });

  trainer.adam.update(trainer.parameters, gradients, trainer.decay);
  network.writeParameters(trainer.parameters);

  return loss;
}

/** Mean cross-entropy over a set, in chunks so that a large set needs little memory. */
function validationLoss(tf: Tf, network: Network, set: RowSet): number {
  const order = Int32Array.from({ length: set.rows }, (_, i) => i);
  let total = 0;
  for (let start = 0; start < set.rows; start += network.chunkRows) {
    const end = Math.min(set.rows, start + network.chunkRows);
    const loss = tf.tidy(() => {
      const chunk = batchTensors(tf, set, order, start, end);

      return meanCrossEntropy(tf, network.logits(chunk.x), chunk.y, chunk.w);
    });
    total += loss.dataSync()[0] * (end - start);
    loss.dispose();
  }

  return total / set.rows;
}

/**
 * Minimises the mean binary cross-entropy plus `l2`·Σw² (kernels only) with Adam over
 * shuffled mini-batches. With a validation share, it stops once the validation loss has not
 * improved for `patience` epochs and puts back the parameters of the best epoch. Every tensor
 * it makes is disposed of, also when cancelled or failing; the network stays with the caller.
 */
export async function fitNetwork(tf: Tf, network: Network, input: FitInput): Promise<FitReport> {
  const { params, signal, onProgress } = input;
  const split =
    params.validationShare > 0
      ? splitRows(input.labels, params.validationShare, input.seed)
      : { training: Int32Array.from(input.labels.keys()), validation: new Int32Array(0) };
  const train = pickRows(input, split.training);
  const order = Int32Array.from(split.training.keys());
  const shuffle = createRandom(`${input.seed}:shuffle`);
  const dropoutSeeds = createRandom(`${input.seed}:dropout`);
  const validation = split.validation.length > 0 ? pickRows(input, split.validation) : null;
  const parameters = network.readParameters();
  const sizes = parameters.map((p) => p.length);
  const trainer: Trainer = {
    parameters,
    adam: new Adam(params.learningRate, sizes),
    // Kernels are decayed, biases are not.
    decay: network.variables.map((_, i) => (i < network.kernels.length ? params.l2 : 0)),
  };
  let best: { epoch: number; loss: number; parameters: Float32Array[] } | null = null;
  let epoch = 0;
  let trainingLoss = NaN;
  let lastYield = Date.now();
  const started = Date.now();

  while (epoch < params.epochs && !(best && epoch - best.epoch >= params.patience)) {
    shuffle.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < train.rows; start += params.batchSize) {
      if (signal?.aborted) throw new CancelledError('Training was cancelled.');

      const end = Math.min(train.rows, start + params.batchSize);
      const batch = batchTensors(tf, train, order, start, end);
      const dropout = { rate: params.dropout, seed: dropoutSeeds.int(2 ** 30) };
      try {
        lossSum += trainStep(tf, network, trainer, batch, dropout) * (end - start);
      } finally {
        tf.dispose([batch.x, batch.y, ...(batch.w ? [batch.w] : [])]);
      }

      if (Date.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    epoch++;
    trainingLoss = lossSum / train.rows;

    const loss = validation ? validationLoss(tf, network, validation) : NaN;
    if (validation && (!best || loss < best.loss - MIN_IMPROVEMENT)) {
      best = { epoch, loss, parameters: parameters.map((p) => p.slice()) };
    }

    onProgress?.({
      fraction: epoch / params.epochs,
      message: `epoch ${epoch}/${params.epochs}`,
      loss: trainingLoss,
    });
  }

  const stoppedEarly = epoch < params.epochs;
  if (best) network.writeParameters(best.parameters);
  if (best && stoppedEarly) {
    onProgress?.({
      fraction: 1,
      message: `stopped early after epoch ${epoch}/${params.epochs}, kept epoch ${best.epoch}`,
      loss: trainingLoss,
    });
  }

  return {
    epochsRun: epoch,
    bestEpoch: best ? best.epoch : epoch,
    stoppedEarly,
    trainingRows: train.rows,
    validationRows: split.validation.length,
    trainingLoss,
    validationLoss: best?.loss,
    secondsPerEpoch: Math.round((Date.now() - started) / Math.max(1, epoch)) / 1000,
  };
}
