import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { dataSourceOptions } from './data-source';

/** The data source of the TypeORM CLI (`npm run migration:run`, `npm run migration:show`). */
export default new DataSource(dataSourceOptions(loadConfig()));
