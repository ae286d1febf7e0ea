export { neuralPlugin } from './neural.plugin';
export { ACTIVATIONS, NEURAL_DEFAULTS, neuralHyperparameters } from './hyperparameters';
export type { Activation, NeuralParams } from './hyperparameters';
export { NEURAL_FORMAT } from './artifact';
export type { NeuralArtifactData } from './artifact';
