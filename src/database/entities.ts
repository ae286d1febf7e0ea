import type { EntitySchema } from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EntityClass = new (...args: any[]) => unknown;

/** Every TypeORM entity of Bullseye, in one list shared by the app, the CLI and tests. */
export const ENTITIES: (EntityClass | EntitySchema)[] = [];
