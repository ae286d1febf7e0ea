/** Every TypeORM entity of Bullseye, in one list shared by the app, the CLI and tests. */
export const ENTITIES: Function[] = [];
