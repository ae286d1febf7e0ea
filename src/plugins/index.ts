import type { ModelPlugin } from './contract';
import { logisticPlugin } from './logistic';
import { neuralPlugin } from './neural';
import { svmPlugin } from './svm';

/** The model plugins that ship with Bullseye, registered when the models module starts. */
export const BUILT_IN_PLUGINS: readonly ModelPlugin<object>[] = [
  logisticPlugin,
  svmPlugin,
  neuralPlugin,
];
