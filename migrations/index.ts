import type { MigrationInterface } from 'typeorm';

/** Every migration, in the order they apply. The schema is created only by these. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [];
