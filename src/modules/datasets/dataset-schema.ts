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

/**
 * Why a column is personal (an email address, a phone number, a name …): the importer
 * named it (`given`), or its name reads like one (`inferred`, a suggestion).
 */
export type PersonalSource = 'given' | 'inferred';

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly role: ColumnRole;
  /**
   * Set on personal columns only: they are no model features unless a training allows
   * them, never logged, and sent to an endpoint only when it lists them.
   */
  readonly personal?: PersonalSource;
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

/** A row kept out of an import, and why. Shaped like an `ErrorDetail` of the API. */
export interface BadRow {
  /** Line of the file where the row starts (1 is the first line, the header of a CSV). */
  readonly line: number;
  /** Position of the row among the file's data rows, from 1. */
  readonly row: number;
  /** Position of the offending column, from 1, when one column is at fault. */
  readonly column?: number;
  /** Name of the offending column. */
  readonly field?: string;
  readonly message: string;
}

export interface CategoryCount {
  readonly value: string;
  readonly count: number;
}

export interface ColumnProfile {
  readonly name: string;
  readonly type: ColumnType;
  readonly role: ColumnRole;
  /** Set on personal columns, whose profile shows no values (no min, max or categories). */
  readonly personal?: PersonalSource;
  readonly missing: number;
  /** Distinct values; when `distinctAtLeast` is set, counting stopped at this many. */
  readonly distinct: number;
  readonly distinctAtLeast: boolean;
  /** Numbers for `numeric`, ISO text for `date`; absent for other types. */
  readonly min?: number | string | null;
  readonly max?: number | string | null;
  /** Mean and sample standard deviation of a `numeric` column (null without values). */
  readonly mean?: number | null;
  readonly std?: number | null;
  /** Most frequent values of a `categorical` or `boolean` column, most frequent first. */
  readonly topCategories?: readonly CategoryCount[];
}

export interface ClassShare {
  /** The target's value as text (booleans lower-cased, numbers in canonical form). */
  readonly label: string;
  readonly count: number;
  /** Share of the rows with a target value, 0 to 1. */
  readonly share: number;
  readonly positive: boolean;
}

export interface DatasetProfile {
  /** Rows imported. */
  readonly rows: number;
  /** Rows kept out of the import. */
  readonly badRows: number;
  readonly columns: readonly ColumnProfile[];
  /** The target's class balance, most frequent class first; absent without a target. */
  readonly classBalance?: readonly ClassShare[];
  /** Things the importer should know, e.g. which columns were flagged personal by name. */
  readonly notes?: readonly string[];
}

/** A dataset as the API, the CLI and model training see it. Plain JSON. */
export interface DatasetView {
  readonly id: string;
  readonly name: string;
  /** Name of the imported file (the uploaded file's own name for uploads). */
  readonly fileName: string;
  readonly format: 'csv' | 'jsonl';
  /** Field delimiter of a CSV file; null for JSON lines. */
  readonly delimiter: string | null;
  readonly rowCount: number;
  readonly badRowCount: number;
  readonly schema: DatasetSchema;
  readonly profile: DatasetProfile;
  /** The first bad rows (at most 100). */
  readonly badRows: readonly BadRow[];
  /** ISO 8601 time of the import. */
  readonly createdAt: string;
}
