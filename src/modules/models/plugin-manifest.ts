import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import { ErrorDetail, UserError } from '../../common/errors';
import { CONTRACT_VERSION, ModelPlugin } from '../../plugins/contract';
import { compileHyperparameters, errorDetail } from './hyperparameters';

/** A semantic version's three numbers; pre-release and build suffixes are allowed, ignored. */
export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$';

const manifestSchema = {
  type: 'object',
  required: ['id', 'version', 'contractVersion', 'displayName', 'description', 'hyperparameters'],
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
    version: { type: 'string', pattern: SEMVER },
    contractVersion: { type: 'string', pattern: SEMVER },
    displayName: { type: 'string', minLength: 1, maxLength: 80 },
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    hyperparameters: {
      type: 'object',
      required: ['type', 'properties'],
      properties: {
        type: { const: 'object' },
        properties: { type: 'object', additionalProperties: { type: 'object' } },
        required: { type: 'array', items: { type: 'string' } },
        additionalProperties: { type: 'boolean' },
      },
    },
    capabilities: {
      type: 'object',
      properties: {
        sampleWeights: { type: 'boolean' },
        incrementalTraining: { type: 'boolean' },
        explain: { type: 'boolean' },
      },
      additionalProperties: false,
    },
  },
};

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const checkShape = ajv.compile(manifestSchema);
/** Ajv keeps every schema it compiles: compile a property's schema once, not per check. */
const defaultCheckers = new WeakMap<object, ValidateFunction>();

/** `1.2.3` → its numbers; null when the text is not a semantic version. */
export function parseSemver(text: unknown): Semver | null {
  const match = typeof text === 'string' ? new RegExp(SEMVER).exec(text) : null;

  return match
    ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) }
    : null;
}

/**
 * Why a host implementing contract `host` cannot run a plugin written for `declared`, or
 * null when it can: the major versions must match, and the plugin's minor version must not
 * be newer than the host's (it may rely on fields this host does not know).
 */
export function contractProblem(declared: unknown, host: string = CONTRACT_VERSION): string | null {
  const wanted = parseSemver(declared);
  const offered = parseSemver(host) as Semver;
  if (!wanted) {
    return `contractVersion ${JSON.stringify(declared)} is not a semantic version such as "${host}"`;
  }

  if (wanted.major !== offered.major) {
    return (
      `it was written for plugin contract ${declared}, and this Bullseye implements ${host}; ` +
      `major versions differ, so rebuild the plugin against bullseye/plugin ${offered.major}.x`
    );
  }

  if (wanted.minor > offered.minor) {
    return (
      `it needs plugin contract ${declared}, newer than the ${host} this Bullseye implements; ` +
      'upgrade Bullseye'
    );
  }

  return null;
}

/**
 * Everything wrong with a plugin's manifest and shape, each with the JSON path of the value
 * (`$.hyperparameters.properties.C.default`); empty when the plugin is fit to register.
 * Contract compatibility is a separate question: see `contractProblem`.
 */
export function manifestProblems(candidate: unknown): ErrorDetail[] {
  if (typeof candidate !== 'object' || candidate === null) {
    return [{ path: '$', message: 'must be an object with a manifest, train and deserialize' }];
  }

  const problems: ErrorDetail[] = [];
  if (!checkShape(candidate)) {
    for (const error of checkShape.errors ?? []) {
      const detail = errorDetail(error, '$');
      problems.push(
        error.keyword === 'additionalProperties'
          ? { ...detail, message: 'is not a known capability' }
          : detail,
      );
    }
  }

  const plugin = candidate as Partial<ModelPlugin<object>>;
  for (const method of ['train', 'deserialize'] as const) {
    if (typeof plugin[method] !== 'function') {
      problems.push({ path: `$.${method}`, message: 'must be a function', keyword: 'type' });
    }
  }

  if (problems.some((p) => p.path?.startsWith('$.hyperparameters'))) {
    return problems;
  }

  return [
    ...problems,
    ...schemaProblems(plugin as Pick<ModelPlugin<object>, 'id' | 'hyperparameters'>),
  ];
}

/**
 * Checks a plugin's manifest; returns the plugin typed when it passes.
 *
 * @throws UserError `plugin_manifest_invalid` with one detail per problem.
 */
export function assertManifest(candidate: unknown, source = 'the plugin'): ModelPlugin<object> {
  const problems = manifestProblems(candidate);
  if (problems.length > 0) {
    throw new UserError(
      'plugin_manifest_invalid',
      `The manifest of ${source} is invalid: ` +
        problems.map((p) => `${p.path} ${p.message}`).join('; '),
      422,
      problems,
    );
  }

  return candidate as ModelPlugin<object>;
}

/** The hyperparameter schema compiles, and every default satisfies its own property's schema. */
function schemaProblems(
  plugin: Pick<ModelPlugin<object>, 'id' | 'hyperparameters'>,
): ErrorDetail[] {
  try {
    compileHyperparameters(plugin.id, plugin.hyperparameters);
  } catch (error) {
    return [{ path: '$.hyperparameters', message: (error as Error).message, keyword: 'schema' }];
  }

  const problems: ErrorDetail[] = [];
  for (const [name, property] of Object.entries(plugin.hyperparameters.properties)) {
    if (!('default' in property)) continue;
    const validate = defaultCheckers.get(property) ?? ajv.compile({ ...property });
    defaultCheckers.set(property, validate);
    if (!validate(structuredClone(property.default))) {
      const path = `$.hyperparameters.properties.${name}.default`;
      for (const error of validate.errors ?? []) {
        problems.push({ ...errorDetail(error, path), keyword: 'default' });
      }
    }
  }

  return problems;
}
