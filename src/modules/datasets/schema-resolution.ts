import { ErrorDetail, UserError } from '../../common/errors';
import { flagPersonal, personalOptionProblems } from '../privacy/personal-columns';
import { ColumnRole, ColumnSchema, ColumnType, DatasetSchema } from './dataset-schema';
import { ColumnStats, inferColumnType, looksLikeIdName } from './type-inference';
import { classKey, parseBoolean } from './value-parsing';

export const COLUMN_TYPES: readonly ColumnType[] = [
  'numeric',
  'categorical',
  'boolean',
  'date',
  'identifier',
];

/** What the user says about a file's columns; everything else is inferred. */
export interface SchemaOptions {
  readonly target?: string;
  readonly positiveLabel?: string;
  readonly idColumn?: string;
  readonly exclude?: readonly string[];
  readonly types?: Readonly<Record<string, string>>;
  /** The personal columns, all of them (empty: none); default: those named like personal data. */
  readonly personal?: readonly string[];
}

/**
 * The schema of a dataset: inferred types, overridden where the user said so, and a role
 * per column. Without a named id column, a single identifier column named like an id
 * becomes the customer id. Other identifiers are excluded from training (a value unique to
 * each customer teaches a model nothing). Personal columns are the ones given, or else
 * those named like personal data (see `flagPersonal`).
 */
export function resolveSchema(
  stats: readonly ColumnStats[],
  options: SchemaOptions,
): Omit<DatasetSchema, 'positiveLabel'> {
  const names = new Set(stats.map((s) => s.name));
  checkOptions(names, options);

  const types = new Map<string, ColumnType>(
    stats.map((s) => [s.name, columnType(s, options)] as const),
  );
  const exclude = new Set(options.exclude ?? []);
  const idColumn =
    options.idColumn ??
    singleOrUndefined(
      stats
        .map((s) => s.name)
        .filter(
          (name) =>
            types.get(name) === 'identifier' &&
            looksLikeIdName(name) &&
            name !== options.target &&
            !exclude.has(name),
        ),
    );

  const columns: ColumnSchema[] = flagPersonal(
    stats.map((s) => {
      const type = types.get(s.name) as ColumnType;

      return { name: s.name, type, role: roleOf(s.name, type, options.target, idColumn, exclude) };
    }),
    options.personal,
  );

  return {
    columns,
    ...(options.target === undefined ? {} : { target: options.target }),
    ...(idColumn === undefined ? {} : { idColumn }),
  };
}

function columnType(stats: ColumnStats, options: SchemaOptions): ColumnType {
  const given = options.types?.[stats.name];
  if (given !== undefined) {
    return given as ColumnType;
  }

  return stats.name === options.idColumn ? 'identifier' : inferColumnType(stats);
}

function roleOf(
  name: string,
  type: ColumnType,
  target: string | undefined,
  idColumn: string | undefined,
  exclude: ReadonlySet<string>,
): ColumnRole {
  if (name === target) {
    return 'target';
  }
  if (name === idColumn) {
    return 'id';
  }

  return exclude.has(name) || type === 'identifier' ? 'excluded' : 'feature';
}

function checkOptions(names: ReadonlySet<string>, options: SchemaOptions): void {
  const unknown: ErrorDetail[] = [];
  for (const [column, type] of Object.entries(options.types ?? {})) {
    if (!names.has(column)) {
      unknown.push({ path: `$.types.${column}`, field: column, message: 'no such column' });
    } else if (!COLUMN_TYPES.includes(type as ColumnType)) {
      throw new UserError(
        'dataset_type_invalid',
        `The type "${type}" given for column "${column}" is not one of ${COLUMN_TYPES.join(', ')}.`,
        400,
        [{ path: `$.types.${column}`, field: column, message: `unknown type "${type}"` }],
      );
    }
  }
  (options.exclude ?? []).forEach((column, i) => {
    if (!names.has(column)) {
      unknown.push({ path: `$.exclude[${i}]`, field: column, message: 'no such column' });
    }
  });
  if (options.idColumn !== undefined && !names.has(options.idColumn)) {
    unknown.push({ path: '$.idColumn', field: options.idColumn, message: 'no such column' });
  }
  unknown.push(...personalOptionProblems(options.personal, names));
  if (unknown.length > 0) {
    throw new UserError(
      'dataset_column_unknown',
      `The file has no column named ${unknown.map((d) => `"${d.field}"`).join(', ')}; ` +
        `its columns are ${listNames([...names])}.`,
      400,
      unknown,
    );
  }

  if (options.target !== undefined && !names.has(options.target)) {
    throw new UserError(
      'dataset_target_missing',
      `The target column "${options.target}" is not in the file; its columns are ${listNames([...names])}.`,
      422,
      [{ path: '$.target', field: options.target, message: 'no such column' }],
    );
  }
  const target = options.target;
  if (target !== undefined && (target === options.idColumn || options.exclude?.includes(target))) {
    throw new UserError(
      'dataset_option_conflict',
      `Column "${target}" cannot be the target and also the id column or excluded.`,
      400,
      [{ path: '$.target', field: target, message: 'used in two roles' }],
    );
  }
  if (target !== undefined && options.personal?.includes(target)) {
    throw new UserError(
      'dataset_option_conflict',
      `Column "${target}" is the target and cannot be personal: a model learns to predict it.`,
      400,
      [
        {
          path: `$.personal[${options.personal.indexOf(target)}]`,
          field: target,
          message: 'is the target',
        },
      ],
    );
  }
}

/** Counts of the target's classes from the first pass, keyed as `classKey` spells them. */
export function targetClasses(stats: ColumnStats, type: ColumnType): Map<string, number> {
  const classes = new Map<string, number>();
  for (const [text, count] of stats.distinct) {
    const key = classKey(text, type);
    classes.set(key, (classes.get(key) ?? 0) + count);
  }

  return classes;
}

/**
 * The target value that counts as the positive outcome: the one given (matched the way
 * classes are counted, so `Yes` finds `yes` in a boolean column), else the one yes/true/1
 * of a two-class target.
 */
export function choosePositiveLabel(args: {
  target: string;
  type: ColumnType;
  classes: ReadonlyMap<string, number>;
  given?: string;
}): string {
  const { target, type, classes, given } = args;
  const seen = [...classes.keys()];
  if (seen.length < 2) {
    throw new UserError(
      'dataset_target_one_class',
      seen.length === 0
        ? `The target column "${target}" has no values; a model needs rows of both outcomes.`
        : `The target column "${target}" holds only ${JSON.stringify(seen[0])}; ` +
            'a model needs rows of both outcomes.',
      422,
      [{ field: target, message: `${seen.length} class(es)` }],
    );
  }

  if (given !== undefined) {
    const key = classKey(given, type);
    if (!classes.has(key)) {
      throw new UserError(
        'dataset_positive_label_missing',
        `The positive label ${JSON.stringify(given)} never occurs in target column "${target}"; ` +
          `it holds ${listNames(seen)}.`,
        422,
        [{ path: '$.positiveLabel', field: target, message: 'label not found' }],
      );
    }

    return key;
  }

  const truthy = seen.filter((key) => parseBoolean(key) === true);
  if (seen.length === 2 && truthy.length === 1) {
    return truthy[0];
  }

  throw new UserError(
    'dataset_positive_label_required',
    `Say which value of target column "${target}" is the positive outcome (positiveLabel); ` +
      `it holds ${listNames(seen)}.`,
    400,
    [{ path: '$.positiveLabel', field: target, message: 'required for this target' }],
  );
}

function singleOrUndefined<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 20).map((n) => JSON.stringify(n));

  return names.length > 20 ? `${shown.join(', ')} and ${names.length - 20} more` : shown.join(', ');
}
