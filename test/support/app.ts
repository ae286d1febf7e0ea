import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app';
import { AppConfig, loadConfig } from '../../src/config/config';

/** A fresh data folder (and so a fresh SQLite file) per test file. */
export function tempConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-test-'));

  // The background dispatcher is off unless a test asks for it: tests drain the outbox.
  // Webhooks may go over http to the local receivers (test/e2e/delivery-addresses turns
  // this off to see the refusals).
  return loadConfig(
    { BULLSEYE_LOG_LEVEL: 'silent' },
    {
      dataDir,
      dispatcherEnabled: false,
      deliveryAllowHttp: true,
      deliveryAllowedHosts: ['127.0.0.1', '::1'],
      // API keys and the rate limit are off but for the access specs, which turn them on.
      auth: 'off',
      rateLimitPerMinute: 0,
      // Tests change a database from the CLI and from the app in turn and look at once;
      // the access specs turn the lookup cache on.
      lookupCacheMs: 0,
      ...overrides,
    },
  );
}

/** Starts the HTTP app on a temporary SQLite file; close it with `app.close()`. */
export async function startTestApp(
  overrides: Partial<AppConfig> = {},
): Promise<{ app: INestApplication; config: AppConfig }> {
  const config = tempConfig(overrides);
  const app = await createApp(config);
  await readyApp(app);

  return { app, config };
}

/**
 * Initialises an app made with `createApp` for requests through `getHttpServer()`, without
 * listening: Fastify answers only once its plugins are loaded, and Nest's lines are written.
 */
export async function readyApp(app: INestApplication): Promise<void> {
  await app.init();
  // Nest holds its log lines back (bufferLogs) until `listen`, which tests do not call.
  app.flushLogs();
  await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
}

/** Absolute path of a file in the shared data folder (`../shared/data`). */
export function sharedData(...parts: string[]): string {
  return path.resolve(__dirname, '../../../shared/data', ...parts);
}
