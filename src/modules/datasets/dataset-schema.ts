/**
 * The vocabulary of a dataset's columns, shared by import, preprocessing and scoring.
 */

/** What a column holds, as inferred at import (and overridable by the user). */
export type ColumnType = 'numeric' | 'categorical' | 'boolean' | 'date' | 'identifier';

/**
 * What a column is for: a model `feature`, the training `target`, the customer `id`, or
 * `excluded` from training (kept on the customer, never fed to a model).
 */
export type ColumnRole = 'feature' | 'target' | 'id' | 'excluded';

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly role: ColumnRole;
}

export interface DatasetSchema {
  readonly columns: readonly ColumnSchema[];
  /** Name of the target column, when the dataset is for training. */
  readonly target?: string;
  /** The target's value that counts as the positive outcome (as text, e.g. `yes`). */
  readonly positiveLabel?: string;
  /** Name of the customer id column; without one, ids are derived from the row number. */
  readonly idColumn?: string;
}

/**
 * A parsed cell: numbers for `numeric`, booleans for `boolean`, ISO 8601 text for `date`,
 * text for `categorical` and `identifier`, and `null` when the value is missing.
 */
export type CellValue = number | string | boolean | null;

/** One customer's attributes by column name. */
export type CustomerAttributes = Record<string, CellValue>;
