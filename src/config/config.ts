import * as path from 'node:path';
import { z } from 'zod';
import { parseAllowList } from '../modules/delivery/address-policy';
import { parseDuration, parseDurationList } from '../modules/delivery/retry';
import { OUTCOME_TYPES, OutcomeType } from '../modules/events/outcome-types';

/** A duration setting such as `5s` or a list such as `0,5s,5m`, parsed to milliseconds. */
function durationSetting<T>(fallback: string, parse: (text: string) => T) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parse(text);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });

        return z.NEVER;
      }
    });
}

/**
 * Every setting Bullseye reads, parsed once from the environment and validated.
 * Nothing else in the code base reads `process.env`; code asks for `AppConfig`.
 */
const schema = z.object({
  BULLSEYE_HOST: z.string().min(1).default('127.0.0.1'),
  BULLSEYE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BULLSEYE_DATA_DIR: z.string().min(1).default('./data'),
  BULLSEYE_DATABASE: z.string().min(1).optional(),
  BULLSEYE_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  BULLSEYE_LOG_PRETTY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  BULLSEYE_MAX_BAD_ROW_SHARE: z.coerce.number().min(0).max(1).default(0.05),
  BULLSEYE_UPLOAD_LIMIT_MB: z.coerce.number().positive().default(512),
  BULLSEYE_TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  BULLSEYE_TRAINING_SEED: z.coerce.number().int().default(42),
  BULLSEYE_TRAINING_TIMEOUT_S: z.coerce.number().positive().default(3600),
  BULLSEYE_PLUGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  BULLSEYE_DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
  BULLSEYE_DELIVERY_SCHEDULE: durationSetting('0,5s,5m,30m,2h,5h,10h,10h', parseDurationList),
  BULLSEYE_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  BULLSEYE_DELIVERY_SECRET_OVERLAP: durationSetting('24h', parseDuration),
  BULLSEYE_DELIVERY_ALLOW_HTTP: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  BULLSEYE_DELIVERY_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((list, ctx) => {
      const entries = list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      try {
        parseAllowList(entries);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });

        return z.NEVER;
      }

      return entries;
    }),
  BULLSEYE_DISPATCHER_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  BULLSEYE_DISPATCHER_POLL_MS: z.coerce.number().int().positive().default(1000),
  BULLSEYE_LABEL_WINDOW_DAYS: z.coerce.number().positive().max(365).default(14),
  BULLSEYE_LABEL_OUTCOME: z.enum(OUTCOME_TYPES).default('converted'),
  BULLSEYE_SECRETS_KEY: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32, {
      message: 'must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)',
    })
    .optional(),
  BULLSEYE_INTEGRATION_SECRET_OVERLAP: durationSetting('24h', parseDuration),
  BULLSEYE_SCHEDULER_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  BULLSEYE_AUTH: z.enum(['required', 'off']).default('required'),
  BULLSEYE_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  BULLSEYE_LOOKUP_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  BULLSEYE_BODY_LIMIT_MB: z.coerce.number().positive().default(1),
  BULLSEYE_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
});

export interface AppConfig {
  /** Interface the HTTP server binds to. */
  readonly host: string;
  readonly port: number;
  /** Folder for the database file, uploads and reports. Created at start when missing. */
  readonly dataDir: string;
  /** SQLite database file. Default: `<dataDir>/bullseye.sqlite`; `:memory:` is allowed. */
  readonly databaseFile: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Human-readable log lines instead of JSON (for a terminal). */
  readonly logPretty: boolean;
  /** An import fails as a whole when more than this share of its rows is bad. */
  readonly maxBadRowShare: number;
  /** Largest accepted upload to `POST /datasets`, in bytes. */
  readonly uploadLimitBytes: number;
  /** TensorFlow.js backend: `auto` tries tfjs-node, then wasm, then the plain cpu backend. */
  readonly tfBackend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Default seed for splits and training. */
  readonly trainingSeed: number;
  /** Longest a plugin may train before its job fails with `training_timeout`, in seconds. */
  readonly trainingTimeoutSeconds: number;
  /** Third-party model plugins to load: npm package names and/or directories (`./` or absolute). */
  readonly plugins: readonly string[];
  /** Longest wait for one webhook attempt (connect, response and body), in ms. */
  readonly deliveryTimeoutMs: number;
  /** Wait before each attempt of a delivery, in ms; past the last one it is dead-lettered. */
  readonly deliveryScheduleMs: readonly number[];
  /** Webhook requests in flight at once. */
  readonly deliveryConcurrency: number;
  /** How long a rotated-out secret keeps signing beside the new one, in ms. */
  readonly deliverySecretOverlapMs: number;
  /** Let endpoints use plain http (local development); otherwise only https. */
  readonly deliveryAllowHttp: boolean;
  /**
   * Host names, IP addresses and CIDR ranges webhooks may reach although they are internal
   * (loopback, private, link-local …); everything else internal is refused.
   */
  readonly deliveryAllowedHosts: readonly string[];
  /** Run the in-process dispatcher with the app (off for the CLI's one-shot drains and tests). */
  readonly dispatcherEnabled: boolean;
  /** How often the dispatcher looks for due deliveries, in ms. */
  readonly dispatcherPollMs: number;
  /** Days after a decision in which an outcome counts for it (label view and lift). */
  readonly labelWindowDays: number;
  /** The outcome type that labels a decision positive, unless a request names another. */
  readonly labelOutcome: OutcomeType;
  /** Key that encrypts integration secrets at rest; null: a key file in `dataDir`. */
  readonly secretsKey: string | null;
  /** How long a rotated-out integration secret is still accepted beside the new one, in ms. */
  readonly integrationSecretOverlapMs: number;
  /** Register and start the cron jobs of retraining schedules (off for one-shot CLI commands). */
  readonly schedulerEnabled: boolean;
  /** `required`: every route but `/health` and `/docs` needs an API key; `off`: local use only. */
  readonly auth: 'required' | 'off';
  /** Requests a minute per API key (per IP address without one); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /**
   * How long an API key's lookup and a model's champion are trusted before the database is
   * asked again: what another process (the CLI) changes is seen within this time; 0: always.
   */
  readonly lookupCacheMs: number;
  /** Largest accepted JSON or form body, in bytes (dataset uploads have their own limit). */
  readonly bodyLimitBytes: number;
  /** Origins allowed to call the API from a browser (`*` for any); none: CORS is off. */
  readonly corsOrigins: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses settings from an environment-like object (defaults to the process environment). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<AppConfig> = {},
): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(overrides.dataDir ?? e.BULLSEYE_DATA_DIR);
  const databaseFile =
    overrides.databaseFile ?? e.BULLSEYE_DATABASE ?? path.join(dataDir, 'bullseye.sqlite');

  return {
    host: e.BULLSEYE_HOST,
    port: e.BULLSEYE_PORT,
    logLevel: e.BULLSEYE_LOG_LEVEL,
    logPretty: e.BULLSEYE_LOG_PRETTY,
    maxBadRowShare: e.BULLSEYE_MAX_BAD_ROW_SHARE,
    uploadLimitBytes: Math.round(e.BULLSEYE_UPLOAD_LIMIT_MB * 1024 * 1024),
    tfBackend: e.BULLSEYE_TF_BACKEND,
    trainingSeed: e.BULLSEYE_TRAINING_SEED,
    trainingTimeoutSeconds: e.BULLSEYE_TRAINING_TIMEOUT_S,
    plugins: e.BULLSEYE_PLUGINS,
    deliveryTimeoutMs: e.BULLSEYE_DELIVERY_TIMEOUT_MS,
    deliveryScheduleMs: e.BULLSEYE_DELIVERY_SCHEDULE,
    deliveryConcurrency: e.BULLSEYE_DELIVERY_CONCURRENCY,
    deliverySecretOverlapMs: e.BULLSEYE_DELIVERY_SECRET_OVERLAP,
    deliveryAllowHttp: e.BULLSEYE_DELIVERY_ALLOW_HTTP,
    deliveryAllowedHosts: e.BULLSEYE_DELIVERY_ALLOWED_HOSTS,
    dispatcherEnabled: e.BULLSEYE_DISPATCHER_ENABLED,
    dispatcherPollMs: e.BULLSEYE_DISPATCHER_POLL_MS,
    labelWindowDays: e.BULLSEYE_LABEL_WINDOW_DAYS,
    labelOutcome: e.BULLSEYE_LABEL_OUTCOME,
    secretsKey: e.BULLSEYE_SECRETS_KEY ?? null,
    integrationSecretOverlapMs: e.BULLSEYE_INTEGRATION_SECRET_OVERLAP,
    schedulerEnabled: e.BULLSEYE_SCHEDULER_ENABLED,
    auth: e.BULLSEYE_AUTH,
    rateLimitPerMinute: e.BULLSEYE_RATE_LIMIT,
    lookupCacheMs: e.BULLSEYE_LOOKUP_CACHE_MS,
    bodyLimitBytes: Math.round(e.BULLSEYE_BODY_LIMIT_MB * 1024 * 1024),
    corsOrigins: e.BULLSEYE_CORS_ORIGINS,
    ...overrides,
    dataDir,
    databaseFile: databaseFile === ':memory:' ? databaseFile : path.resolve(databaseFile),
  };
}

/** Injection token for the `AppConfig` object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
