import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppConfig } from '../config/config';
import { ENTITIES } from './entities';

/**
 * The TypeORM options for Bullseye's SQLite database. The schema comes from migrations
 * only (`synchronize` is never used); the app applies pending migrations at start.
 */
export function dataSourceOptions(config: Pick<AppConfig, 'databaseFile'>): DataSourceOptions {
  if (config.databaseFile !== ':memory:') {
    fs.mkdirSync(path.dirname(config.databaseFile), { recursive: true });
  }

  return {
    type: 'sqlite',
    database: config.databaseFile,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: config.databaseFile !== ':memory:',
    busyErrorRetry: 50,
    busyTimeout: 10000,
    logging: false,
  };
}

/** Opens a data source and brings its schema up to date. */
export async function openDatabase(config: Pick<AppConfig, 'databaseFile'>): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });

  return dataSource;
}
