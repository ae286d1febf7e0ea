import type { ValueTransformer } from 'typeorm';

/**
 * Delivery times are stored as integer epoch milliseconds: the dispatcher compares them in
 * every claim, and integers compare and index the same in SQLite and PostgreSQL.
 */
export const epochMs: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.getTime() : value),
  from: (value: number | string | null) => (value === null ? null : new Date(Number(value))),
};
