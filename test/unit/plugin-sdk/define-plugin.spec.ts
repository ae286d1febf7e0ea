import { definePlugin, InferParams } from '../../../src/plugin-sdk';
import { manifestProblems } from '../../../src/modules/models/plugin-manifest';

const schema = {
  type: 'object',
  required: ['target'],
  properties: {
    C: { type: 'number', default: 1 },
    kernel: { type: 'string', enum: ['linear', 'rbf'], default: 'linear' },
    gamma: { type: ['number', 'null'], default: null },
    layers: { type: 'array', items: { type: 'integer' }, default: [8] },
    target: { type: 'string' },
    note: { type: 'string' },
  },
} as const;

type Params = InferParams<typeof schema>;

// Compile-time checks (tsc -p tsconfig.json): each line below must type-check as written.
const typed: Params = { C: 2, kernel: 'rbf', gamma: null, layers: [1, 2], target: 'y' };
// @ts-expect-error kernel is one of the enum's values
const badKernel: Params = { ...typed, kernel: 'poly' };
// @ts-expect-error a property with a default is always passed
const missingDefault: Params = { kernel: 'rbf', gamma: null, layers: [], target: 'y' };
// @ts-expect-error a required property is always passed
const missingRequired: Params = { C: 1, kernel: 'rbf', gamma: null, layers: [] };

describe('definePlugin', () => {
  it('returns the plugin as given, with params typed from the schema', async () => {
    const seen: Params[] = [];
    const plugin = definePlugin({
      id: 'typed',
      version: '1.0.0',
      contractVersion: '1.0.0',
      displayName: 'Typed',
      description: 'Checks the params type.',
      hyperparameters: schema,
      async train({ params }) {
        seen.push(params);
        const width: number = params.C * params.layers.length;
        // @ts-expect-error gamma may be null
        const gamma: number = params.gamma;
        void gamma;

        return {
          predict: async ({ features }) => new Float64Array(features.rows).fill(width / 10),
          serialize: async () => ({ format: 'typed/1', data: null }),
        };
      },
      async deserialize() {
        throw new Error('not needed');
      },
    });
    const model = await plugin.train({
      features: { rows: 1, cols: 0, values: new Float64Array(0) },
      labels: Uint8Array.of(1),
      featureNames: [],
      params: typed,
      seed: 1,
    });

    expect(plugin.hyperparameters).toBe(schema);
    expect(
      Array.from(
        await model.predict({ features: { rows: 2, cols: 0, values: new Float64Array(0) } }),
      ),
    ).toEqual([0.4, 0.4]);
    expect(seen).toEqual([typed]);
    expect(manifestProblems(plugin)).toEqual([]);
    expect([badKernel, missingDefault, missingRequired]).toHaveLength(3);
  });
});
