import { UserError } from '../../common/errors';
import { ModelArtifact } from '../contract';
import { ACTIVATIONS } from './hyperparameters';
import { DenseWeights, layerWidths, NetworkSpec } from './network';

export const NEURAL_FORMAT = 'neural/1';

/** The JSON layout of a serialised network: its shape and base64 float32 little-endian weights. */
export interface NeuralArtifactData {
  readonly spec: NetworkSpec;
  readonly featureNames: readonly string[];
  readonly layers: readonly { readonly kernel: string; readonly bias: string }[];
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Explicit little-endian, so the bytes mean the same on every machine. */
function encodeFloats(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));

  return bytes.toString('base64');
}

function decodeFloats(text: unknown, expected: number, what: string): Float32Array {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (bytes.length !== expected * 4) {
    throw invalid(`${what} should hold ${expected} float32 values.`);
  }
  const values = new Float32Array(expected);
  for (let i = 0; i < expected; i++) values[i] = bytes.readFloatLE(i * 4);

  return values;
}

function invalid(message: string): UserError {
  return new UserError('artifact_invalid', `The neural model artifact is damaged: ${message}`, 422);
}

export function toArtifact(
  spec: NetworkSpec,
  weights: readonly DenseWeights[],
  featureNames: readonly string[],
  summary: Readonly<Record<string, unknown>>,
): ModelArtifact {
  const data: NeuralArtifactData = {
    spec: {
      inputs: spec.inputs,
      hiddenLayers: [...spec.hiddenLayers],
      activation: spec.activation,
    },
    featureNames: [...featureNames],
    layers: weights.map((w) => ({ kernel: encodeFloats(w.kernel), bias: encodeFloats(w.bias) })),
    summary,
  };

  return { format: NEURAL_FORMAT, data };
}

export function fromArtifact(artifact: ModelArtifact): {
  spec: NetworkSpec;
  weights: DenseWeights[];
  featureNames: string[];
  summary: Record<string, unknown>;
} {
  if (artifact.format !== NEURAL_FORMAT) {
    throw new UserError(
      'artifact_format',
      `The neural plugin reads artifacts of format "${NEURAL_FORMAT}", not "${artifact.format}".`,
      422,
    );
  }
  const data = artifact.data as Partial<NeuralArtifactData> | null;
  const spec = data?.spec;
  const sizes = spec?.hiddenLayers;
  if (
    !spec ||
    !Number.isInteger(spec.inputs) ||
    spec.inputs < 1 ||
    !Array.isArray(sizes) ||
    !sizes.every((n) => Number.isInteger(n) && n >= 1) ||
    !ACTIVATIONS.includes(spec.activation)
  ) {
    throw invalid('the network shape is missing or malformed.');
  }
  const widths = layerWidths(spec);
  const layers = data.layers;
  if (!Array.isArray(layers) || layers.length !== widths.length - 1) {
    throw invalid(`expected ${widths.length - 1} layers of weights.`);
  }
  const weights = layers.map((layer, l) => ({
    kernel: decodeFloats(layer?.kernel, widths[l] * widths[l + 1], `the kernel of layer ${l}`),
    bias: decodeFloats(layer?.bias, widths[l + 1], `the bias of layer ${l}`),
  }));
  const featureNames = Array.isArray(data.featureNames) ? data.featureNames.map(String) : [];

  return {
    spec: { inputs: spec.inputs, hiddenLayers: [...sizes], activation: spec.activation },
    weights,
    featureNames,
    summary: { ...(data.summary ?? {}) },
  };
}
