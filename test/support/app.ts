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
  return loadConfig(
    { BULLSEYE_LOG_LEVEL: 'silent' },
    { dataDir, dispatcherEnabled: false, ...overrides },
  );
}

/** Starts the HTTP app on a temporary SQLite file; close it with `app.close()`. */
export async function startTestApp(
  overrides: Partial<AppConfig> = {},
): Promise<{ app: INestApplication; config: AppConfig }> {
  const config = tempConfig(overrides);
  const app = await createApp(config);
  await app.init();

  return { app, config };
}

/** Absolute path of a file in the shared data folder (`../shared/data`). */
export function sharedData(...parts: string[]): string {
  return path.resolve(__dirname, '../../../shared/data', ...parts);
}
