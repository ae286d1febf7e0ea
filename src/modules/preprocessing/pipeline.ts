/**
 * The preprocessing pipeline: fitted on the training records only, stored as JSON with the
 * model version, and applied unchanged at scoring time.
 *
 * Which columns: those with role `feature`, in schema order; `identifier` columns never
 * become features. Each column turns into features as follows.
 *
 * - `numeric` → one feature. A finite number is taken as it is; text holding a decimal
 *   number (`"42"`, `" -1.5e3 "`) is parsed, because scoring requests often carry numbers as
 *   strings; anything else counts as missing.
 * - `date` → one feature: ISO 8601 text as days since 1970-01-01 UTC (time of day as a
 *   fraction; no offset means UTC). From then on a date is treated exactly like a number.
 * - `boolean` → one 0/1 feature; also accepts 0/1 and the text true/false/yes/no/1/0.
 * - `categorical` → one indicator per training category (text only).
 *
 * Missing means `null`, `undefined`, `NaN`, empty or blank text, or a value of the wrong
 * type (a non-numeric string for a number, a number for a category, …).
 *
 * The steps, in order:
 *
 * 1. Impute. Numbers and dates: the training mean or median of the present values (0 when a
 *    column has none). Booleans: the more frequent training value (0 on a tie), so the
 *    feature stays 0/1. Categories: the most frequent training category, or an explicit
 *    `(missing)` indicator — which exists only when training had missing values; otherwise
 *    a missing category at scoring time gives all zeros, as an unseen one does.
 * 2. Outliers (numbers and dates only). Bounds μ ± kσ from the mean and population std of
 *    the imputed training values. `clip` clamps to the bounds at training and at scoring
 *    time; `drop` removes the training rows with any value outside (and clamps at scoring
 *    time, where rows are never dropped); `keep` leaves values alone.
 * 3. Standardise (numbers and dates only): (x − mean) / std with mean and std of the
 *    clipped training values of the kept rows; a constant column divides by 1. Booleans and
 *    indicators stay 0/1.
 * 4. One-hot. Indicators ordered by training frequency, then by name; categories beyond the
 *    `maxCategories` most frequent share one `(other)` indicator; `(other)` then
 *    `(missing)` come last. A category never seen in training gives all zeros. Feature
 *    names are `column=category`.
 * 5. Select (optional): SelectKBest on the training matrix with the labels — `chi2` (on a
 *    non-negative view: numbers min–max scaled to [0, 1], indicators and booleans as they
 *    are), `anova_f` or `mutual_info`; see `selection.ts`. Kept features stay in their
 *    original order; k above the number of features keeps all.
 *
 * Imputation values, outlier bounds and categories are learnt from all training records;
 * standardisation and selection from the rows left after `drop`.
 */
import { UserError } from '../../common/errors';
import { FeatureMatrix } from '../../plugins/contract';
import { ColumnSchema, CustomerAttributes } from '../datasets/dataset-schema';
import { readBoolean, readCategory, readDate, readNumeric } from './cells';
import { describePipeline, PipelineDescription } from './description';
import {
  compilePlans,
  ColumnPlan,
  encode,
  isUsed,
  MISSING_SLOT,
  RawColumn,
  readColumn,
} from './encoding';
import { PreprocessingOptions, resolvePreprocessingOptions, SelectionMethod } from './options';
import { anovaFScores, chi2Scores, minMaxView, mutualInfoScores, selectKBest } from './selection';
import {
  candidateFeatureNames,
  parseSerializedPipeline,
  PIPELINE_FORMAT,
  SerializedCategoricalColumn,
  SerializedColumn,
  SerializedPipeline,
  SerializedSelection,
} from './serialization';
import {
  clip,
  fitBoolean,
  fitCategories,
  fitImputation,
  fitOutlierBounds,
  fitScaling,
  impute,
} from './steps';

export {
  DEFAULT_PREPROCESSING,
  resolvePreprocessingOptions,
  validatePreprocessingOptions,
} from './options';
export type { PreprocessingOptions, SelectionMethod } from './options';
export type { PipelineDescription, PipelineStepDescription } from './description';
export { PIPELINE_FORMAT } from './serialization';
export type { SerializedPipeline } from './serialization';

/** A preprocessing pipeline with everything it learnt from the training records. */
export class FittedPipeline {
  readonly featureNames: readonly string[];
  readonly options: PreprocessingOptions;
  private readonly plans: readonly ColumnPlan[];

  private constructor(private readonly state: SerializedPipeline) {
    deepFreeze(state);
    this.options = state.options;
    this.featureNames = Object.freeze([...state.featureNames]);

    const candidates = candidateFeatureNames(state.columns).length;
    const outputs = new Int32Array(candidates);
    if (state.selection === null) outputs.forEach((_, i) => (outputs[i] = i));
    else {
      outputs.fill(-1);
      state.selection.selected.forEach((candidate, column) => (outputs[candidate] = column));
    }
    this.plans = compilePlans(state.columns, state.options, outputs);
  }

  /** Applies the fitted steps to any records; one output row per record, none dropped. */
  transform(records: readonly CustomerAttributes[]): FeatureMatrix {
    const raws = this.plans.map((plan) => (isUsed(plan) ? readColumn(plan, records) : null));

    return encode(this.plans, raws, records.length, this.featureNames.length);
  }

  /** The JSON form (see `SerializedPipeline`), also used by `JSON.stringify`. */
  toJSON(): SerializedPipeline {
    return structuredClone(this.state);
  }

  /**
   * Rebuilds a pipeline from its JSON form (already parsed from text).
   *
   * @throws UserError `preprocessing_pipeline_invalid` naming the JSON path of the problem.
   */
  static fromJSON(json: unknown): FittedPipeline {
    return new FittedPipeline(parseSerializedPipeline(json));
  }

  /** What each step learnt, for the model version page. */
  describe(): PipelineDescription {
    return describePipeline(this.state);
  }
}

/** Freezes the stored figures so that no caller can change what `transform` does. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export interface FitPipelineArgs {
  readonly records: readonly CustomerAttributes[];
  /** Columns with role `feature` (and a type other than `identifier`) become features. */
  readonly columns: readonly ColumnSchema[];
  /** One label per record (1 = positive); required when `options.selection` is set. */
  readonly labels?: Uint8Array;
  readonly options?: Partial<PreprocessingOptions>;
}

export interface FitPipelineResult {
  readonly pipeline: FittedPipeline;
  /** The transformed training rows; after `drop`, only the kept ones. */
  readonly matrix: FeatureMatrix;
  /** Index into `records` of each matrix row. */
  readonly keptRows: Uint32Array;
}

interface ColumnFit {
  readonly column: SerializedColumn;
  /** What `writeColumn` reads, for every training record. */
  readonly raw: RawColumn;
  /** Imputed values of a numeric column, for dropping and scaling. */
  readonly imputed?: Float64Array;
}

/**
 * Fits the pipeline on training records and returns it with the transformed training rows.
 *
 * @throws UserError `preprocessing_options_invalid` for bad options; `preprocessing_no_records`,
 *   `preprocessing_no_features`, `preprocessing_labels_required` or
 *   `preprocessing_all_rows_dropped` when there is nothing to fit.
 */
export function fitPipeline(args: FitPipelineArgs): FitPipelineResult {
  const options = resolvePreprocessingOptions(args.options);
  const { records, labels } = args;
  checkTrainingInput(records, labels, options);
  const schema = featureColumns(args.columns);

  const fits = schema.map((column) => fitColumn(column, records, options));

  const keptRows = rowsToKeep(fits, records.length, options);
  const gather = keptRows.length === records.length ? null : keptRows;
  const columns = fits.map((fit) => withScaling(fit, gather, options));

  const candidateNames = candidateFeatureNames(columns);
  const identity = Int32Array.from(candidateNames, (_, i) => i);
  const plans = compilePlans(columns, options, identity);
  const raws = fits.map((fit) => (gather === null ? fit.raw : gatherRows(fit.raw, gather)));
  const candidates = encode(plans, raws, keptRows.length, candidateNames.length);

  const selection =
    options.selection === null || labels === undefined
      ? null
      : fitSelection(candidates, gatherLabels(labels, gather), columns, options.selection);
  const featureNames =
    selection === null ? candidateNames : selection.selected.map((i) => candidateNames[i]);

  const state: SerializedPipeline = {
    format: PIPELINE_FORMAT,
    options,
    training: { rows: records.length, keptRows: keptRows.length },
    columns,
    selection,
    featureNames,
  };
  const matrix = selection === null ? candidates : selectColumns(candidates, selection.selected);

  return { pipeline: FittedPipeline.fromJSON(state), matrix, keptRows };
}

function checkTrainingInput(
  records: readonly CustomerAttributes[],
  labels: Uint8Array | undefined,
  options: PreprocessingOptions,
): void {
  if (records.length === 0) {
    throw new UserError(
      'preprocessing_no_records',
      'There are no training records to fit the preprocessing on; import a dataset with rows.',
    );
  }
  if (options.selection !== null && labels === undefined) {
    throw new UserError(
      'preprocessing_labels_required',
      `Feature selection (${options.selection.method}) needs the training labels; ` +
        'set a target column or remove preprocessing.selection.',
    );
  }
  if (labels !== undefined && labels.length !== records.length) {
    throw new Error(`Got ${labels.length} labels for ${records.length} training records.`);
  }
}

function featureColumns(columns: readonly ColumnSchema[]): ColumnSchema[] {
  const features = columns.filter((c) => c.role === 'feature' && c.type !== 'identifier');
  if (features.length === 0) {
    throw new UserError(
      'preprocessing_no_features',
      'No column can be a feature: give at least one column that is not an identifier the ' +
        'role "feature".',
    );
  }

  const names = new Set<string>();
  for (const column of features) {
    if (names.has(column.name)) {
      throw new UserError(
        'preprocessing_columns_invalid',
        `Column "${column.name}" is listed twice; each feature column needs a unique name.`,
      );
    }
    names.add(column.name);
  }

  return features;
}

function fitColumn(
  schema: ColumnSchema,
  records: readonly CustomerAttributes[],
  options: PreprocessingOptions,
): ColumnFit {
  const { name, type } = schema;
  if (type === 'categorical') return fitCategoricalColumn(name, records, options);

  const read = type === 'boolean' ? readBoolean : type === 'date' ? readDate : readNumeric;
  const raw = new Float64Array(records.length);
  for (let r = 0; r < records.length; r++) raw[r] = read(records[r][name]);

  if (type === 'boolean') {
    const { fill, trueCount, missing } = fitBoolean(raw);

    return { column: { kind: 'boolean', name, missing, fill, trueCount }, raw };
  }

  const { fill, missing } = fitImputation(raw, options.numericImpute);
  const imputed = impute(raw, fill);
  const outliers = fitOutlierBounds(imputed, options.outlierSigma);
  const column: SerializedColumn = {
    kind: 'numeric',
    name,
    type: type === 'date' ? 'date' : 'numeric',
    missing,
    fill,
    outliers,
    scaling: null,
  };

  return { column, raw, imputed };
}

function fitCategoricalColumn(
  name: string,
  records: readonly CustomerAttributes[],
  options: PreprocessingOptions,
): ColumnFit {
  const codes = new Int32Array(records.length);
  const codeOf = new Map<string, number>();
  const values: string[] = [];
  const counts: number[] = [];
  let missing = 0;
  for (let r = 0; r < records.length; r++) {
    const category = readCategory(records[r][name]);
    if (category === null) {
      codes[r] = -1;
      missing++;
      continue;
    }
    let code = codeOf.get(category);
    if (code === undefined) {
      code = values.length;
      codeOf.set(category, code);
      values.push(category);
      counts.push(0);
    }
    codes[r] = code;
    counts[code]++;
  }

  const fit = fitCategories({
    values,
    counts,
    missing,
    maxCategories: options.maxCategories,
    strategy: options.categoricalImpute,
  });
  // Codes map to slots: kept categories by rank, everything else to the shared bucket.
  const slotOfCode = new Int32Array(values.length).fill(fit.categories.length);
  fit.keptIndexes.forEach((code, slot) => (slotOfCode[code] = slot));
  const raw = codes.map((code) => (code < 0 ? MISSING_SLOT : slotOfCode[code]));

  const column: SerializedCategoricalColumn = {
    kind: 'categorical',
    name,
    missing,
    categories: fit.categories,
    counts: fit.counts,
    folded: fit.folded,
    foldedRows: fit.foldedRows,
    otherLabel: fit.otherLabel,
    missingLabel: fit.missingLabel,
  };

  return { column, raw };
}

/** All rows, or with `drop` the rows whose imputed numbers all lie within the bounds. */
function rowsToKeep(
  fits: readonly ColumnFit[],
  rows: number,
  options: PreprocessingOptions,
): Uint32Array {
  if (options.outliers !== 'drop') return Uint32Array.from({ length: rows }, (_, r) => r);

  const keep = new Uint8Array(rows).fill(1);
  for (const { column, imputed } of fits) {
    if (column.kind !== 'numeric' || imputed === undefined) continue;
    const { lower, upper } = column.outliers;
    for (let r = 0; r < rows; r++) if (imputed[r] < lower || imputed[r] > upper) keep[r] = 0;
  }
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) if (keep[r] === 1) kept.push(r);
  if (kept.length === 0) {
    throw new UserError(
      'preprocessing_all_rows_dropped',
      `Outlier removal at ${options.outlierSigma}σ dropped every training row; raise ` +
        'preprocessing.outlierSigma or set preprocessing.outliers to "clip".',
    );
  }

  return Uint32Array.from(kept);
}

/** Adds standardisation, learnt on the clipped values of the kept rows. */
function withScaling(
  fit: ColumnFit,
  gather: Uint32Array | null,
  options: PreprocessingOptions,
): SerializedColumn {
  const { column, imputed } = fit;
  if (column.kind !== 'numeric' || imputed === undefined || !options.standardize) {
    return column;
  }

  const kept = gather === null ? imputed : gatherRows(imputed, gather);
  const { lower, upper } = column.outliers;
  const values = options.outliers === 'keep' ? kept : kept.map((x) => clip(x, lower, upper));

  return { ...column, scaling: fitScaling(values) };
}

function gatherRows<T extends Float64Array | Int32Array>(raw: T, rows: Uint32Array): T {
  const out = new (raw.constructor as new (length: number) => T)(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = raw[rows[r]];

  return out;
}

function gatherLabels(labels: Uint8Array, rows: Uint32Array | null): Uint8Array {
  if (rows === null) return labels;
  const out = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = labels[rows[r]];

  return out;
}

function fitSelection(
  candidates: FeatureMatrix,
  labels: Uint8Array,
  columns: readonly SerializedColumn[],
  selection: { readonly method: SelectionMethod; readonly k: number },
): SerializedSelection {
  // Per candidate feature: does it come from a number or date (rather than 0/1)?
  const continuous = columns.flatMap((column) =>
    column.kind === 'categorical'
      ? candidateFeatureNames([column]).map(() => false)
      : [column.kind === 'numeric'],
  );

  const scores =
    selection.method === 'chi2'
      ? chi2Scores(minMaxView(candidates, continuous), labels)
      : selection.method === 'anova_f'
        ? anovaFScores(candidates, labels)
        : mutualInfoScores(
            candidates,
            labels,
            continuous.map((c) => !c),
          );

  return {
    method: selection.method,
    k: selection.k,
    scores: Array.from(scores, (score) =>
      score === Infinity ? null : Number.isFinite(score) ? score : 0,
    ),
    selected: Array.from(selectKBest(scores, selection.k)),
  };
}

function selectColumns(matrix: FeatureMatrix, selected: readonly number[]): FeatureMatrix {
  const { rows, cols, values } = matrix;
  const width = selected.length;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) out[r * width + j] = values[r * cols + selected[j]];
  }

  return { rows, cols: width, values: out };
}
