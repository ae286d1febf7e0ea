import { ErrorDetail, UserError } from '../../common/errors';
import { cronProblems, timeZoneProblems } from './cron-timing';
import { RETRAINING_METRICS, RetrainingGuards, RetrainingMetric } from './retraining-decision';
import type { SourceShape } from './training-sources';

/** A plugin to train a challenger with; `params` default to the plugin's own defaults. */
export interface CandidatePlugin {
  readonly id: string;
  readonly params?: Record<string, unknown>;
}

/** `always` retrains at every tick; `on_drift` only when the latest drift report says so. */
export type DriftMode = 'always' | 'on_drift';

export interface DriftSettings {
  readonly mode: DriftMode;
  /** The largest PSI of the champion's latest drift report must exceed this to retrain. */
  readonly threshold: number;
}

/** Everything a retraining schedule says, every default filled in. */
export interface ScheduleSettings {
  readonly modelName: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly source: SourceShape;
  /** Plugins to train challengers with; null: the champion's plugin and parameters. */
  readonly plugins: CandidatePlugin[] | null;
  readonly metric: RetrainingMetric;
  /** How much better than the champion a challenger must be on the metric. */
  readonly margin: number;
  readonly guards: RetrainingGuards;
  readonly drift: DriftSettings;
  /** Share of the source's rows held out to compare champion and challenger on. */
  readonly testShare: number;
  readonly enabled: boolean;
}

export const SCHEDULE_DEFAULTS = Object.freeze({
  timeZone: 'UTC',
  metric: 'rocAuc' as RetrainingMetric,
  margin: 0.002,
  guards: Object.freeze({ minRows: 1000, requireBothClasses: true, maxEceIncrease: 0.02 }),
  drift: Object.freeze({ mode: 'always' as DriftMode, threshold: 0.2 }),
  testShare: 0.2,
  enabled: true,
});

export type SourceParser = (
  input: unknown,
  path: string,
  problems: ErrorDetail[],
) => SourceShape | undefined;

const FIELDS = [
  'modelName',
  'cron',
  'timeZone',
  'source',
  'plugins',
  'metric',
  'margin',
  'guards',
  'drift',
  'testShare',
  'enabled',
];
const GUARD_FIELDS = ['minRows', 'requireBothClasses', 'maxEceIncrease'];
const DRIFT_FIELDS = ['mode', 'threshold'];
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_CANDIDATES = 10;

/**
 * Reads the body of `POST /schedules`. Every problem is reported at once, each with the
 * JSON path of the value to fix.
 *
 * @throws UserError `schedule_invalid` (400).
 */
export function parseScheduleSettings(input: unknown, parseSource: SourceParser): ScheduleSettings {
  const problems: ErrorDetail[] = [];
  const body = objectAt(input, '$', problems);
  if (!body) {
    throw invalid(problems);
  }
  unknownKeys(body, FIELDS, '$', problems);
  if (typeof body.modelName !== 'string' || !MODEL_NAME.test(body.modelName)) {
    problems.push({
      path: '$.modelName',
      message: 'must name a model: 1 to 64 letters, digits, dots, dashes or underscores',
    });
  }
  if (body.cron === undefined) problems.push({ path: '$.cron', message: 'is required' });
  if (body.source === undefined) problems.push({ path: '$.source', message: 'is required' });

  const settings = readFields(
    body,
    {
      modelName: String(body.modelName),
      cron: '',
      timeZone: SCHEDULE_DEFAULTS.timeZone,
      source: { kind: 'dataset' },
      plugins: null,
      metric: SCHEDULE_DEFAULTS.metric,
      margin: SCHEDULE_DEFAULTS.margin,
      guards: { ...SCHEDULE_DEFAULTS.guards },
      drift: { ...SCHEDULE_DEFAULTS.drift },
      testShare: SCHEDULE_DEFAULTS.testShare,
      enabled: SCHEDULE_DEFAULTS.enabled,
    },
    parseSource,
    problems,
  );
  if (problems.length > 0) {
    throw invalid(problems);
  }

  return settings;
}

/**
 * Applies the body of `PATCH /schedules/:id` to a schedule: only the fields present change;
 * `guards` and `drift` change field by field; `plugins: null` goes back to the champion's.
 *
 * @throws UserError `schedule_invalid` (400), also for an attempt to change the model.
 */
export function patchScheduleSettings(
  current: ScheduleSettings,
  input: unknown,
  parseSource: SourceParser,
): ScheduleSettings {
  const problems: ErrorDetail[] = [];
  const body = objectAt(input, '$', problems);
  if (!body) {
    throw invalid(problems);
  }
  unknownKeys(body, FIELDS, '$', problems);
  if (body.modelName !== undefined && body.modelName !== current.modelName) {
    problems.push({
      path: '$.modelName',
      message: 'cannot be changed; delete this schedule and create one for the other model',
    });
  }

  const settings = readFields(body, current, parseSource, problems);
  if (problems.length > 0) {
    throw invalid(problems);
  }

  return settings;
}

/** The fields of `body` that are present, checked and laid over `base`. */
function readFields(
  body: Record<string, unknown>,
  base: ScheduleSettings,
  parseSource: SourceParser,
  problems: ErrorDetail[],
): ScheduleSettings {
  const cron = body.cron === undefined ? base.cron : body.cron;
  const timeZone = body.timeZone === undefined ? base.timeZone : body.timeZone;
  if (body.cron !== undefined) problems.push(...cronProblems(cron));
  if (body.timeZone !== undefined) problems.push(...timeZoneProblems(timeZone));

  const source =
    body.source === undefined ? base.source : parseSource(body.source, '$.source', problems);
  const plugins = body.plugins === undefined ? base.plugins : readPlugins(body.plugins, problems);
  const metric = body.metric === undefined ? base.metric : body.metric;
  if (!RETRAINING_METRICS.includes(metric as RetrainingMetric)) {
    problems.push({
      path: '$.metric',
      message: `must be one of ${RETRAINING_METRICS.map((m) => `"${m}"`).join(', ')}`,
    });
  }
  const margin = numberAt(body, 'margin', base.margin, problems, { min: 0, below: 1 });
  const testShare = numberAt(body, 'testShare', base.testShare, problems, { min: 0.05, max: 0.5 });
  const enabled = body.enabled === undefined ? base.enabled : body.enabled;
  if (typeof enabled !== 'boolean')
    problems.push({ path: '$.enabled', message: 'must be true or false' });

  return {
    modelName: base.modelName,
    cron: cron as string,
    timeZone: timeZone as string,
    source: source ?? base.source,
    plugins,
    metric: metric as RetrainingMetric,
    margin,
    guards: readGuards(body.guards, base.guards, problems),
    drift: readDrift(body.drift, base.drift, problems),
    testShare,
    enabled: enabled as boolean,
  };
}

function readPlugins(input: unknown, problems: ErrorDetail[]): CandidatePlugin[] | null {
  if (input === null) {
    return null;
  }
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_CANDIDATES) {
    problems.push({
      path: '$.plugins',
      message:
        `must be null (the champion's plugin and parameters) or a list of 1 to ` +
        `${MAX_CANDIDATES} plugins, e.g. [{ "id": "logistic" }]`,
    });

    return null;
  }

  return input.flatMap((item: unknown, i): CandidatePlugin[] => {
    const path = `$.plugins[${i}]`;
    const plugin = objectAt(item, path, problems);
    if (!plugin) {
      return [];
    }
    unknownKeys(plugin, ['id', 'params'], path, problems);
    if (typeof plugin.id !== 'string' || plugin.id === '') {
      problems.push({ path: `${path}.id`, message: 'must be a plugin id, e.g. "logistic"' });

      return [];
    }
    if (plugin.params === undefined) {
      return [{ id: plugin.id }];
    }
    const params = objectAt(plugin.params, `${path}.params`, problems);

    return [params ? { id: plugin.id, params } : { id: plugin.id }];
  });
}

function readGuards(
  input: unknown,
  base: RetrainingGuards,
  problems: ErrorDetail[],
): RetrainingGuards {
  if (input === undefined) {
    return base;
  }
  const guards = objectAt(input, '$.guards', problems);
  if (!guards) {
    return base;
  }
  unknownKeys(guards, GUARD_FIELDS, '$.guards', problems);
  const minRows = guards.minRows === undefined ? base.minRows : guards.minRows;
  if (!Number.isInteger(minRows) || (minRows as number) < 10) {
    problems.push({
      path: '$.guards.minRows',
      message: 'must be a whole number of rows, at least 10',
    });
  }
  const requireBothClasses =
    guards.requireBothClasses === undefined ? base.requireBothClasses : guards.requireBothClasses;
  if (typeof requireBothClasses !== 'boolean') {
    problems.push({ path: '$.guards.requireBothClasses', message: 'must be true or false' });
  }

  return {
    minRows: minRows as number,
    requireBothClasses: requireBothClasses as boolean,
    maxEceIncrease: numberAt(guards, 'maxEceIncrease', base.maxEceIncrease, problems, {
      min: 0,
      max: 1,
      path: '$.guards.maxEceIncrease',
    }),
  };
}

function readDrift(input: unknown, base: DriftSettings, problems: ErrorDetail[]): DriftSettings {
  if (input === undefined) {
    return base;
  }
  const drift = objectAt(input, '$.drift', problems);
  if (!drift) {
    return base;
  }
  unknownKeys(drift, DRIFT_FIELDS, '$.drift', problems);
  const mode = drift.mode === undefined ? base.mode : drift.mode;
  if (mode !== 'always' && mode !== 'on_drift') {
    problems.push({ path: '$.drift.mode', message: 'must be "always" or "on_drift"' });
  }

  return {
    mode: mode as DriftMode,
    threshold: numberAt(drift, 'threshold', base.threshold, problems, {
      above: 0,
      max: 10,
      path: '$.drift.threshold',
    }),
  };
}

function numberAt(
  body: Record<string, unknown>,
  key: string,
  fallback: number,
  problems: ErrorDetail[],
  range: { min?: number; max?: number; above?: number; below?: number; path?: string },
): number {
  const value = body[key];
  if (value === undefined) {
    return fallback;
  }
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.min === undefined || value >= range.min) &&
    (range.max === undefined || value <= range.max) &&
    (range.above === undefined || value > range.above) &&
    (range.below === undefined || value < range.below);
  if (!ok) {
    const low = range.min !== undefined ? `from ${range.min}` : `above ${range.above}`;
    const high = range.max !== undefined ? `to ${range.max}` : `below ${range.below}`;
    problems.push({ path: range.path ?? `$.${key}`, message: `must be a number ${low} ${high}` });

    return fallback;
  }

  return value;
}

function objectAt(
  input: unknown,
  path: string,
  problems: ErrorDetail[],
): Record<string, unknown> | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ path, message: 'must be an object' });

    return undefined;
  }

  return input as Record<string, unknown>;
}

function unknownKeys(
  body: Record<string, unknown>,
  known: readonly string[],
  path: string,
  problems: ErrorDetail[],
): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      problems.push({
        path: `${path}.${key}`,
        message: `is not a setting here; known: ${known.join(', ')}`,
      });
    }
  }
}

function invalid(problems: readonly ErrorDetail[]): UserError {
  return new UserError(
    'schedule_invalid',
    `The schedule is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    400,
    [...problems],
  );
}
