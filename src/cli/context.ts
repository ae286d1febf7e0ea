import { INestApplicationContext } from '@nestjs/common';
import { createContext } from '../app';
import { AppConfig, loadConfig } from '../config/config';

/** Options every command accepts. */
export interface GlobalOptions {
  dataDir?: string;
  database?: string;
  verbose?: boolean;
}

/** The settings for one CLI invocation: the environment, then the command-line overrides. */
export function cliConfig(options: GlobalOptions, extra: Partial<AppConfig> = {}): AppConfig {
  const base = loadConfig();

  return loadConfig(undefined, {
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.database ? { databaseFile: options.database } : {}),
    // A terminal wants results on stdout and only problems in the log.
    logLevel: options.verbose ? 'debug' : base.logLevel === 'info' ? 'warn' : base.logLevel,
    // Only `serve` (and the demo) deliver and run schedules; other commands leave them alone.
    dispatcherEnabled: false,
    schedulerEnabled: false,
    ...extra,
  });
}

/** Runs `work` inside an application context (database open, migrations applied). */
export async function withContext<T>(
  options: GlobalOptions,
  work: (context: INestApplicationContext, config: AppConfig) => Promise<T>,
  extra: Partial<AppConfig> = {},
): Promise<T> {
  const config = cliConfig(options, extra);
  const context = await createContext(config);
  try {
    return await work(context, config);
  } finally {
    await context.close();
  }
}
