import type { HyperparameterSchema, ModelPlugin } from '../plugins/contract';

/** The TypeScript type of one JSON Schema `type` name. */
type JsonValue<T> = T extends 'number' | 'integer'
  ? number
  : T extends 'string'
    ? string
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? readonly unknown[]
          : T extends 'object'
            ? Readonly<Record<string, unknown>>
            : unknown;

/** The value type a property schema describes: its `enum` choices, array items or `type`. */
export type SchemaValue<S> = S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly type: 'array'; readonly items: infer I }
    ? readonly SchemaValue<I>[]
    : S extends { readonly type: readonly (infer T)[] }
      ? JsonValue<T>
      : S extends { readonly type: infer T }
        ? JsonValue<T>
        : unknown;

type Properties<S extends HyperparameterSchema> = S['properties'];

type RequiredName<S extends HyperparameterSchema> = S extends {
  readonly required: readonly (infer R)[];
}
  ? R
  : never;

/** Hyperparameters the host always passes: those with a default and the required ones. */
type PresentKeys<S extends HyperparameterSchema> = {
  [K in keyof Properties<S>]: Properties<S>[K] extends { readonly default: unknown }
    ? K
    : K extends RequiredName<S>
      ? K
      : never;
}[keyof Properties<S>];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The `params` a plugin receives, read off its hyperparameter schema: `{ C: { type:
 * 'number', default: 1 } }` gives `{ readonly C: number }`. A property without a default
 * that is not required may be missing.
 */
export type InferParams<S extends HyperparameterSchema> = Simplify<
  { readonly [K in PresentKeys<S>]: SchemaValue<Properties<S>[K]> } & {
    readonly [K in Exclude<keyof Properties<S>, PresentKeys<S>>]?: SchemaValue<Properties<S>[K]>;
  }
>;

/** What `definePlugin` takes: a plugin whose `contractVersion` is written out. */
export type PluginDefinition<S extends HyperparameterSchema> = Omit<
  ModelPlugin<InferParams<S>>,
  'hyperparameters' | 'contractVersion'
> & {
  readonly contractVersion: string;
  readonly hyperparameters: S;
};

/**
 * Declares a plugin with its `params` typed from its hyperparameter schema. It changes
 * nothing at run time: the host validates the manifest when it loads the plugin, and the
 * conformance kit does so in the plugin's tests.
 *
 * ```ts
 * export default definePlugin({
 *   id: 'prior',
 *   version: '1.0.0',
 *   contractVersion: '1.0.0',
 *   …
 *   hyperparameters: {
 *     type: 'object',
 *     properties: { smoothing: { type: 'number', minimum: 0, default: 1 } },
 *   },
 *   async train({ labels, params }) {
 *     // params.smoothing is a number here.
 *   },
 * });
 * ```
 */
export function definePlugin<const S extends HyperparameterSchema>(
  definition: PluginDefinition<S>,
): ModelPlugin<InferParams<S>> & { readonly contractVersion: string } {
  return definition;
}
