import { ErrorDetail, UserError } from '../../common/errors';
import { PreprocessingOptions, validatePreprocessingOptions } from '../preprocessing/options';
import type { CalibrationMethod } from './evaluation';
import type { PluginRegistry } from './plugin-registry.service';
import { DEFAULT_TRAINING_OPTIONS, TrainingOptions } from './training';

/** A request to train a model, as the API and the CLI take it. */
export interface TrainRequest {
  readonly datasetId: string;
  readonly plugins: readonly { readonly id: string; readonly params?: Record<string, unknown> }[];
  readonly testShare?: number;
  readonly seed?: number;
  readonly calibration?: CalibrationMethod;
  readonly calibrationShare?: number;
  readonly preprocessing?: Partial<PreprocessingOptions>;
  readonly cvFolds?: number;
  /** Let personal columns be features (default false: they are dropped before fitting). */
  readonly allowPersonalFeatures?: boolean;
  readonly promote?: 'best' | 'none';
  readonly description?: string;
}

/** The same request checked, with every default filled in; what a training job stores. */
export interface NormalisedTrainRequest {
  readonly datasetId: string;
  readonly plugins: { readonly id: string; readonly params: Record<string, unknown> }[];
  readonly options: TrainingOptions;
  readonly promote: 'best' | 'none';
  readonly description?: string;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** @throws UserError `model_name_invalid`. */
export function checkModelName(name: string): string {
  if (!MODEL_NAME.test(name)) {
    throw new UserError(
      'model_name_invalid',
      `Model name "${name}" must be 1 to 64 letters, digits, dots, dashes or underscores, ` +
        'starting with a letter or digit.',
      400,
      [{ path: '$.name', message: 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }],
    );
  }

  return name;
}

/**
 * Checks a training request against the loaded plugins and fills in the defaults.
 * Problems are reported together, each with the JSON path of the offending value.
 *
 * @throws UserError `plugin_unknown` or `plugin_params_invalid` for the plugins, and
 *   `training_request_invalid` for the other fields.
 */
export function normaliseTrainRequest(
  request: TrainRequest,
  plugins: PluginRegistry,
  defaultSeed = DEFAULT_TRAINING_OPTIONS.seed,
): NormalisedTrainRequest {
  const problems: ErrorDetail[] = [];
  const check = (ok: boolean, path: string, message: string): void => {
    if (!ok) problems.push({ path, message });
  };
  const d = DEFAULT_TRAINING_OPTIONS;
  const options: TrainingOptions = {
    testShare: request.testShare ?? d.testShare,
    seed: request.seed ?? defaultSeed,
    calibration: request.calibration ?? d.calibration,
    calibrationShare: request.calibrationShare ?? d.calibrationShare,
    preprocessing: {},
    cvFolds: request.cvFolds ?? d.cvFolds,
  };
  check(
    typeof request.datasetId === 'string' && request.datasetId.length > 0,
    '$.datasetId',
    'must name a dataset',
  );
  check(
    options.testShare >= 0.05 && options.testShare <= 0.5,
    '$.testShare',
    'must be between 0.05 and 0.5',
  );
  check(
    Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32 - 1,
    '$.seed',
    'must be an integer from 0 to 4294967294',
  );
  check(
    ['platt', 'isotonic', 'none'].includes(options.calibration),
    '$.calibration',
    'must be one of "platt", "isotonic", "none"',
  );
  check(
    options.calibrationShare >= 0.05 && options.calibrationShare <= 0.5,
    '$.calibrationShare',
    'must be between 0.05 and 0.5',
  );
  check(
    options.cvFolds === 0 ||
      (Number.isInteger(options.cvFolds) && options.cvFolds >= 2 && options.cvFolds <= 20),
    '$.cvFolds',
    'must be 0 (off) or an integer from 2 to 20',
  );
  const allowPersonal = request.allowPersonalFeatures;
  check(
    allowPersonal === undefined || typeof allowPersonal === 'boolean',
    '$.allowPersonalFeatures',
    'must be true or false',
  );
  const promote = request.promote ?? 'none';
  check(['best', 'none'].includes(promote), '$.promote', 'must be "best" or "none"');
  check(
    Array.isArray(request.plugins) && request.plugins.length > 0,
    '$.plugins',
    'must list at least one plugin, e.g. [{ "id": "logistic" }]',
  );
  const preprocessing = preprocessingOptions(request.preprocessing, problems);
  if (problems.length > 0) {
    throw new UserError(
      'training_request_invalid',
      `The training request is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      400,
      problems,
    );
  }

  const chosen = request.plugins.map((plugin, i) => ({
    id: plugins.get(plugin.id, `$.plugins[${i}].id`).id,
    params: plugins.validateParams(plugin.id, plugin.params, `$.plugins[${i}].params`),
  }));

  return {
    datasetId: request.datasetId,
    plugins: chosen,
    options: {
      ...options,
      preprocessing,
      ...(allowPersonal === true ? { allowPersonalFeatures: true } : {}),
    },
    promote,
    ...(request.description !== undefined ? { description: request.description } : {}),
  };
}

function preprocessingOptions(
  input: unknown,
  problems: ErrorDetail[],
): Partial<PreprocessingOptions> {
  try {
    return validatePreprocessingOptions(input);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    for (const detail of error.details) {
      problems.push({
        ...detail,
        path: `$.preprocessing${(detail.path ?? '$').replace(/^\$/, '')}`,
      });
    }

    return {};
  }
}
