import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { ErrorDetail, UserError } from '../../common/errors';
import { schemaErrorDetail } from '../../common/json-schema';
import type { HyperparameterSchema } from '../../plugins/contract';

/** Checks one plugin's hyperparameters and returns a copy with the defaults filled in. */
export type HyperparameterValidator = (
  params: unknown,
  path: string,
) => Readonly<Record<string, unknown>>;

// Types are not coerced: a string "1" where a number belongs is a mistake to report, not fix.
const ajv = new Ajv2020({
  useDefaults: true,
  allErrors: true,
  coerceTypes: false,
  strict: true,
  allowUnionTypes: true,
});

/**
 * Compiles a plugin's hyperparameter schema once. The returned validator never changes its
 * input; on failure it throws `plugin_params_invalid` with one detail per problem, each
 * naming the JSON path below `path` (e.g. `$.plugins[0].params.C`).
 *
 * @throws Error when the schema itself is not a valid JSON Schema (a plugin's bug).
 */
export function compileHyperparameters(
  pluginId: string,
  schema: HyperparameterSchema,
): HyperparameterValidator {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile({ ...schema });
  } catch (error) {
    throw new Error(
      `Plugin "${pluginId}" has an invalid hyperparameter schema: ${(error as Error).message}`,
    );
  }

  return (params, path) => {
    const copy = params === undefined || params === null ? {} : structuredClone(params);
    if (validate(copy)) {
      return copy as Record<string, unknown>;
    }
    const details = (validate.errors ?? []).map((error) => errorDetail(error, path));

    throw new UserError(
      'plugin_params_invalid',
      `Invalid hyperparameters for plugin "${pluginId}": ` +
        details.map((d) => `${d.path} ${d.message}`).join('; '),
      400,
      details,
    );
  };
}

/** One Ajv error as a detail whose path names the offending property itself. */
export function errorDetail(error: ErrorObject, root: string): ErrorDetail {
  return schemaErrorDetail(error, root, 'is not a known hyperparameter');
}
