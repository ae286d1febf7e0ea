/**
 * Personal columns: attributes that identify a person (an email address, a phone number, a
 * name, a postal address). Bullseye keeps them out of model features unless a training
 * request allows them, out of logs, and out of webhook payloads unless an endpoint lists
 * them. Pure functions, shared by import, training and delivery.
 */
import { ErrorDetail, UserError } from '../../common/errors';
import type {
  ColumnSchema,
  ColumnType,
  DatasetSchema,
  PersonalSource,
} from '../datasets/dataset-schema';

/** What a column's name says it holds, when it reads like personal data. */
export type PersonalKind = 'email' | 'phone' | 'name' | 'address';

const WORDS: Readonly<Record<string, PersonalKind>> = {
  email: 'email',
  mail: 'email',
  phone: 'phone',
  telephone: 'phone',
  mobile: 'phone',
  cellphone: 'phone',
  tel: 'phone',
  msisdn: 'phone',
  name: 'name',
  firstname: 'name',
  lastname: 'name',
  fullname: 'name',
  surname: 'name',
  forename: 'name',
  givenname: 'name',
  familyname: 'name',
  username: 'name',
  address: 'address',
  street: 'address',
};

/**
 * The words of a column name, lower-cased: `firstName`, `first_name`, `First Name` and
 * `first-name` all read as `first`, `name`.
 */
export function nameWords(name: string): string[] {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** The kind of personal data a column name reads like (`email_address`: email), or null. */
export function personalKindOf(name: string): PersonalKind | null {
  for (const word of nameWords(name)) {
    const kind = WORDS[word];
    if (kind !== undefined) {
      return kind;
    }
  }

  return null;
}

/**
 * Whether a column looks personal from its name and type. Only text can hold an address or
 * a name, so `email_opens` (a count) and `email_opt_in` (a boolean) stay ordinary columns;
 * phone numbers also come as plain numbers.
 */
export function looksPersonal(name: string, type: ColumnType): boolean {
  const kind = personalKindOf(name);
  if (kind === null) {
    return false;
  }

  return (
    type === 'categorical' || type === 'identifier' || (kind === 'phone' && type === 'numeric')
  );
}

/**
 * The personal flag of each column: exactly the columns given, when the importer named them
 * (an empty list means none), else the columns that look personal by name, as a suggestion.
 * The target and the customer id column are never flagged by name.
 */
export function flagPersonal(
  columns: readonly ColumnSchema[],
  given: readonly string[] | undefined,
): ColumnSchema[] {
  const named = new Set(given ?? []);

  return columns.map((column) => {
    const personal: PersonalSource | undefined =
      given !== undefined
        ? named.has(column.name)
          ? 'given'
          : undefined
        : column.role !== 'target' &&
            column.role !== 'id' &&
            looksPersonal(column.name, column.type)
          ? 'inferred'
          : undefined;

    return personal === undefined ? column : { ...column, personal };
  });
}

/** Problems with a given list of personal columns, with JSON paths under `$.personal`. */
export function personalOptionProblems(
  given: readonly string[] | undefined,
  names: ReadonlySet<string>,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  (given ?? []).forEach((column, i) => {
    if (!names.has(column)) {
      problems.push({ path: `$.personal[${i}]`, field: column, message: 'no such column' });
    }
  });

  return problems;
}

export function isPersonal(column: Pick<ColumnSchema, 'personal'>): boolean {
  return column.personal !== undefined;
}

/** Names of a schema's personal columns, in schema order. */
export function personalColumnNames(schema: Pick<DatasetSchema, 'columns'>): string[] {
  return schema.columns.filter(isPersonal).map((column) => column.name);
}

/** What training did with personal columns; stored in a model version's metrics. */
export interface PersonalFeatureReport {
  /** Whether the training request allowed personal columns as features. */
  readonly allowed: boolean;
  /** Personal columns that would have been features. */
  readonly columns: readonly string[];
  /** Those kept out of the pipeline (all of them unless allowed). */
  readonly dropped: readonly string[];
}

/**
 * The columns to fit a pipeline on: personal feature columns turned `excluded` unless
 * allowed, and what was done, for the version's metrics.
 *
 * @throws UserError `training_only_personal_features` (422) when every feature is personal.
 */
export function trainingColumns(
  columns: readonly ColumnSchema[],
  allowPersonal: boolean,
): { columns: ColumnSchema[]; report: PersonalFeatureReport } {
  const personal = columns
    .filter((c) => c.role === 'feature' && isPersonal(c))
    .map((column) => column.name);
  const report = {
    allowed: allowPersonal,
    columns: personal,
    dropped: allowPersonal ? [] : personal,
  };
  if (allowPersonal || personal.length === 0) {
    return { columns: [...columns], report };
  }

  const dropped = new Set(personal);
  const kept = columns.map((c) => (dropped.has(c.name) ? { ...c, role: 'excluded' as const } : c));
  if (!kept.some((c) => c.role === 'feature' && c.type !== 'identifier')) {
    throw new UserError(
      'training_only_personal_features',
      `Every feature of the dataset is personal (${personal.join(', ')}); personal columns ` +
        'are no features unless the training request says allowPersonalFeatures: true.',
      422,
      [{ path: '$.allowPersonalFeatures', message: 'false, and no other feature is left' }],
    );
  }

  return { columns: kept, report };
}

/**
 * The attributes an endpoint receives in a payload: exactly the listed ones, `null` when the
 * customer has no value. Nothing for an endpoint that lists none.
 */
export function personalPayload(
  attributes: Readonly<Record<string, unknown>> | undefined,
  include: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  if (include === undefined || include.length === 0) {
    return undefined;
  }

  return Object.fromEntries(include.map((name) => [name, attributes?.[name] ?? null]));
}

/** A line for a dataset's profile about the columns flagged from their names. */
export function inferredNote(columns: readonly ColumnSchema[]): string | undefined {
  const inferred = columns.filter((c) => c.personal === 'inferred').map((c) => c.name);
  if (inferred.length === 0) {
    return undefined;
  }

  return (
    `Flagged personal from ${inferred.length === 1 ? 'its name' : 'their names'}: ` +
    `${inferred.join(', ')}. Personal columns are no model features unless a training ` +
    'allows them, and reach a webhook only when its endpoint lists them (includePersonal). ' +
    'Name the personal columns yourself on import (personal, --personal) to change this.'
  );
}
