import { z } from 'zod';
import { ErrorDetail, UserError } from '../../common/errors';

/** How a pipeline is fitted. Every field has a default (`DEFAULT_PREPROCESSING`). */
export interface PreprocessingOptions {
  /** Value that replaces a missing number or date: the training mean or median. */
  readonly numericImpute: 'mean' | 'median';
  /** A missing category becomes the most frequent training category, or its own `(missing)`. */
  readonly categoricalImpute: 'most_frequent' | 'missing';
  /** What to do with numbers more than `outlierSigma` standard deviations from the mean. */
  readonly outliers: 'clip' | 'drop' | 'keep';
  readonly outlierSigma: number;
  /** Centre numbers and dates on the training mean and divide by the training std. */
  readonly standardize: boolean;
  /** Keep only the `k` features that score best against the labels; `null` keeps all. */
  readonly selection: null | SelectionOptions;
  /** Categories beyond the N most frequent of a column fold into one `(other)` indicator. */
  readonly maxCategories: number;
}

export interface SelectionOptions {
  readonly method: SelectionMethod;
  readonly k: number;
}

export type SelectionMethod = 'chi2' | 'anova_f' | 'mutual_info';

export const DEFAULT_PREPROCESSING: PreprocessingOptions = Object.freeze({
  numericImpute: 'mean',
  categoricalImpute: 'missing',
  outliers: 'clip',
  outlierSigma: 3,
  standardize: true,
  selection: null,
  maxCategories: 100,
});

/** More indicators than this per column would make the feature matrix needlessly wide. */
export const MAX_CATEGORIES_LIMIT = 10_000;

const selectionSchema = z
  .object({
    method: z.enum(['chi2', 'anova_f', 'mutual_info']),
    k: z.number().int().min(1),
  })
  .strict();

export const preprocessingOptionsSchema = z
  .object({
    numericImpute: z.enum(['mean', 'median']),
    categoricalImpute: z.enum(['most_frequent', 'missing']),
    outliers: z.enum(['clip', 'drop', 'keep']),
    outlierSigma: z.number().finite().positive(),
    standardize: z.boolean(),
    selection: selectionSchema.nullable(),
    maxCategories: z.number().int().min(1).max(MAX_CATEGORIES_LIMIT),
  })
  .strict();

const partialOptionsSchema = preprocessingOptionsSchema.partial().strict();

/**
 * Turns zod issues into details that name the field (`selection.k`) and its JSON path
 * below `root`; an unknown key is named itself rather than its parent.
 */
export function issueDetails(issues: readonly z.ZodIssue[], root: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [null];
    for (const key of keys) {
      const segments = key === null ? issue.path : [...issue.path, key];
      const field = segments.map(String).join('.');
      const path = segments.reduce<string>(
        (acc, segment) =>
          typeof segment === 'number' ? `${acc}[${segment}]` : `${acc}.${segment}`,
        root,
      );
      const message = key === null ? issue.message : `Unknown field "${key}".`;
      details.push({ field, path, message });
    }
  }

  return details;
}

/**
 * Checks user-supplied options (e.g. an API body's `preprocessing`) and returns them typed.
 * Unknown fields are refused rather than ignored, so a misspelt option is not silently lost.
 *
 * @throws UserError `preprocessing_options_invalid` naming each bad field.
 */
export function validatePreprocessingOptions(input: unknown): Partial<PreprocessingOptions> {
  if (input === undefined || input === null) return {};
  const parsed = partialOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const details = issueDetails(parsed.error.issues, '$');
    const summary = details.map((d) => `${d.field || '(options)'}: ${d.message}`).join('; ');

    throw new UserError(
      'preprocessing_options_invalid',
      `Invalid preprocessing options — ${summary}`,
      400,
      details,
    );
  }

  return parsed.data;
}

/** Validated options with the defaults filled in. */
export function resolvePreprocessingOptions(input?: unknown): PreprocessingOptions {
  return { ...DEFAULT_PREPROCESSING, ...validatePreprocessingOptions(input) };
}
