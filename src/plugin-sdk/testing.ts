/**
 * `bullseye/plugin/testing`: the conformance kit. Call `runPluginConformance` at the top
 * level of a test file (Jest, or Vitest with globals) and it declares one test per check:
 *
 * ```ts
 * import { runPluginConformance } from 'bullseye/plugin/testing';
 * import plugin from '../src';
 *
 * runPluginConformance(plugin, { params: { epochs: 20 } });
 * ```
 */
import { CONTRACT_VERSION, ModelPlugin } from '../plugins/contract';
import {
  ConformanceOptions,
  conformanceChecks,
  createConformanceContext,
  resolveOptions,
} from './conformance/checks';

export {
  badInputCheck,
  cancellationCheck,
  conformanceChecks,
  ConformanceFailure,
  createConformanceContext,
  defaultsCheck,
  determinismCheck,
  explainCheck,
  manifestCheck,
  memoryCheck,
  probabilitiesCheck,
  roundTripCheck,
  sampleWeightsCheck,
  separableCheck,
} from './conformance/checks';
export type {
  ConformanceCheck,
  ConformanceContext,
  ConformanceOptions,
  TensorCounter,
} from './conformance/checks';
export { badTrainingSets, SEPARABLE_FEATURES, separableRows } from './conformance/data';
export type { LabelledRows } from './conformance/data';

/**
 * Declares a `describe` block that checks `plugin` against the contract: a valid manifest,
 * defaults that pass their schema, a ROC AUC of at least 0.95 on separable rows, finite
 * probabilities in [0, 1], the same model from the same seed, identical predictions after a
 * JSON round trip of the artifact, no tensor or heap growth over repeated cycles, prompt
 * cancellation, clear errors for bad training sets, and — when declared — explanations and
 * sample weights.
 */
export function runPluginConformance(
  plugin: ModelPlugin<object>,
  options: ConformanceOptions = {},
): void {
  if (typeof describe !== 'function' || typeof it !== 'function') {
    throw new Error(
      'runPluginConformance declares tests: call it at the top level of a test file run by ' +
        'Jest (or Vitest with globals enabled).',
    );
  }

  const { timeoutMs } = resolveOptions(options);
  const given = Object.entries(options.params ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const title = `plugin ${plugin.id} ${plugin.version}${given.length ? ` (${given.join(', ')})` : ''}`;
  describe(`${title} conforms to contract ${CONTRACT_VERSION}`, () => {
    const context = createConformanceContext(plugin, options);
    afterAll(() => context.dispose());

    for (const check of conformanceChecks(plugin)) {
      it(check.name, () => check.run(context), timeoutMs);
    }
  });
}
