import { z } from 'zod';
import { ErrorDetail, UserError } from '../../common/errors';
import { issueDetails, PreprocessingOptions, preprocessingOptionsSchema } from './options';

/**
 * The JSON form of a fitted pipeline, stored with each model version. It holds everything
 * `transform` needs (and the training figures the model version page shows), as plain
 * numbers and strings, so that scoring reproduces training exactly.
 */

/** Names the layout below; a change that old readers cannot follow bumps the number. */
export const PIPELINE_FORMAT = 'bullseye.preprocessing/1';

/** A `numeric` or `date` column: one feature. */
export interface SerializedNumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly type: 'numeric' | 'date';
  /** Training rows where the value was missing. */
  readonly missing: number;
  /** What replaces a missing value: the training mean or median. */
  readonly fill: number;
  /** Mean and std of the imputed training values, and the bounds μ ± kσ built from them. */
  readonly outliers: {
    readonly mean: number;
    readonly std: number;
    readonly lower: number;
    readonly upper: number;
    /** Training rows outside the bounds (clipped, dropped, or kept as they were). */
    readonly outside: number;
  };
  /** Standardisation: (x − mean) / std; std is 1 for constant training values. */
  readonly scaling: { readonly mean: number; readonly std: number } | null;
}

/** A `boolean` column: one 0/1 feature. */
export interface SerializedBooleanColumn {
  readonly kind: 'boolean';
  readonly name: string;
  readonly missing: number;
  /** The most frequent training value (0 on a tie), which replaces a missing value. */
  readonly fill: 0 | 1;
  readonly trueCount: number;
}

/** A `categorical` column: one indicator per kept category, then `(other)`, then `(missing)`. */
export interface SerializedCategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly missing: number;
  /** Kept categories in indicator order (most frequent first, then by name). */
  readonly categories: readonly string[];
  /** Training rows per kept category. */
  readonly counts: readonly number[];
  /** Training categories beyond `maxCategories`, which share the `(other)` indicator. */
  readonly folded: readonly string[];
  readonly foldedRows: number;
  /** Name of the indicator of folded categories; `null` when none were folded. */
  readonly otherLabel: string | null;
  /** Name of the indicator of missing values; `null` without one. */
  readonly missingLabel: string | null;
}

export type SerializedColumn =
  SerializedNumericColumn | SerializedBooleanColumn | SerializedCategoricalColumn;

export interface SerializedSelection {
  readonly method: 'chi2' | 'anova_f' | 'mutual_info';
  readonly k: number;
  /** One score per feature before selection; `null` stands for +∞ (perfect separation). */
  readonly scores: readonly (number | null)[];
  /** Indexes of the kept features among those before selection, ascending. */
  readonly selected: readonly number[];
}

export interface SerializedPipeline {
  readonly format: typeof PIPELINE_FORMAT;
  readonly options: PreprocessingOptions;
  /** Training rows given, and those left after outlier `drop`. */
  readonly training: { readonly rows: number; readonly keptRows: number };
  readonly columns: readonly SerializedColumn[];
  readonly selection: SerializedSelection | null;
  /** The output features, in matrix column order. */
  readonly featureNames: readonly string[];
}

const count = z.number().int().min(0);
const finite = z.number().finite();

const numericColumnSchema = z
  .object({
    kind: z.literal('numeric'),
    name: z.string().min(1),
    type: z.enum(['numeric', 'date']),
    missing: count,
    fill: finite,
    outliers: z
      .object({
        mean: finite,
        std: finite.min(0),
        lower: finite,
        upper: finite,
        outside: count,
      })
      .strict(),
    scaling: z.object({ mean: finite, std: finite.positive() }).strict().nullable(),
  })
  .strict();

const booleanColumnSchema = z
  .object({
    kind: z.literal('boolean'),
    name: z.string().min(1),
    missing: count,
    fill: z.union([z.literal(0), z.literal(1)]),
    trueCount: count,
  })
  .strict();

const categoricalColumnSchema = z
  .object({
    kind: z.literal('categorical'),
    name: z.string().min(1),
    missing: count,
    categories: z.array(z.string().min(1)),
    counts: z.array(count),
    folded: z.array(z.string().min(1)),
    foldedRows: count,
    otherLabel: z.string().min(1).nullable(),
    missingLabel: z.string().min(1).nullable(),
  })
  .strict();

const pipelineSchema = z
  .object({
    format: z.literal(PIPELINE_FORMAT),
    options: preprocessingOptionsSchema,
    training: z.object({ rows: count, keptRows: count }).strict(),
    columns: z
      .array(
        z.discriminatedUnion('kind', [
          numericColumnSchema,
          booleanColumnSchema,
          categoricalColumnSchema,
        ]),
      )
      .min(1),
    selection: z
      .object({
        method: z.enum(['chi2', 'anova_f', 'mutual_info']),
        k: z.number().int().min(1),
        scores: z.array(z.number().finite().nullable()),
        selected: z.array(count),
      })
      .strict()
      .nullable(),
    featureNames: z.array(z.string()),
  })
  .strict();

/** The features a column contributes, in order, before selection. */
export function columnFeatureNames(column: SerializedColumn): string[] {
  if (column.kind !== 'categorical') return [column.name];
  const labels = [...column.categories];
  if (column.otherLabel !== null) labels.push(column.otherLabel);
  if (column.missingLabel !== null) labels.push(column.missingLabel);

  return labels.map((label) => `${column.name}=${label}`);
}

/** Every feature before selection, in order. */
export function candidateFeatureNames(columns: readonly SerializedColumn[]): string[] {
  return columns.flatMap(columnFeatureNames);
}

function invalid(details: ErrorDetail[]): UserError {
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');

  return new UserError(
    'preprocessing_pipeline_invalid',
    `The stored preprocessing pipeline cannot be read — ${summary}`,
    422,
    details,
  );
}

/**
 * Checks a parsed JSON value against the layout and the rules that tie its parts together
 * (unique names, bounds in order, selection consistent with the options, feature names
 * that match the columns).
 *
 * @throws UserError `preprocessing_pipeline_invalid` naming the JSON path of each problem.
 */
export function parseSerializedPipeline(json: unknown): SerializedPipeline {
  const parsed = pipelineSchema.safeParse(json);
  if (!parsed.success) throw invalid(issueDetails(parsed.error.issues, '$'));

  const pipeline = parsed.data as SerializedPipeline;
  const problems = consistencyProblems(pipeline);
  if (problems.length > 0) throw invalid(problems);

  return pipeline;
}

function consistencyProblems(pipeline: SerializedPipeline): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const problem = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  if (pipeline.training.keptRows > pipeline.training.rows) {
    problem('$.training.keptRows', 'More kept rows than training rows.');
  }

  const names = new Set<string>();
  pipeline.columns.forEach((column, index) => {
    const at = `$.columns[${index}]`;
    if (names.has(column.name)) problem(`${at}.name`, `Column "${column.name}" appears twice.`);
    names.add(column.name);
    if (column.kind === 'numeric' && column.outliers.lower > column.outliers.upper) {
      problem(`${at}.outliers`, 'The lower bound is above the upper bound.');
    }
    if (column.kind === 'categorical') problems.push(...categoricalProblems(column, at));
  });

  const candidates = candidateFeatureNames(pipeline.columns);
  const { selection, options } = pipeline;
  if ((selection === null) !== (options.selection === null)) {
    problem('$.selection', 'Present if and only if options.selection is set.');
  } else if (selection !== null && options.selection !== null) {
    problems.push(...selectionProblems(selection, options.selection, candidates.length));
  }
  if (problems.length > 0) return problems;

  const expected = selection === null ? candidates : selection.selected.map((i) => candidates[i]);
  const matches =
    expected.length === pipeline.featureNames.length &&
    expected.every((name, i) => name === pipeline.featureNames[i]);
  if (!matches) problem('$.featureNames', 'Do not match the features the columns define.');

  return problems;
}

function categoricalProblems(column: SerializedCategoricalColumn, at: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (column.counts.length !== column.categories.length) {
    problems.push({ path: `${at}.counts`, message: 'Needs one count per category.' });
  }
  const seen = new Set<string>();
  for (const value of [...column.categories, ...column.folded]) {
    if (seen.has(value)) {
      problems.push({ path: `${at}.categories`, message: `Category "${value}" appears twice.` });
    }
    seen.add(value);
  }
  if ((column.otherLabel === null) !== (column.folded.length === 0)) {
    problems.push({
      path: `${at}.otherLabel`,
      message: 'Present if and only if categories were folded.',
    });
  }

  return problems;
}

function selectionProblems(
  selection: SerializedSelection,
  options: NonNullable<PreprocessingOptions['selection']>,
  candidates: number,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (selection.method !== options.method || selection.k !== options.k) {
    problems.push({ path: '$.selection', message: 'Method or k differ from options.selection.' });
  }
  if (selection.scores.length !== candidates) {
    problems.push({
      path: '$.selection.scores',
      message: `Needs one score per feature (${candidates}), has ${selection.scores.length}.`,
    });
  }
  const ascending = selection.selected.every(
    (index, i) => index < candidates && (i === 0 || index > selection.selected[i - 1]),
  );
  if (!ascending || selection.selected.length !== Math.min(selection.k, candidates)) {
    problems.push({
      path: '$.selection.selected',
      message: `Needs min(k, ${candidates}) ascending feature indexes below ${candidates}.`,
    });
  }

  return problems;
}
