import { UserError } from '../common/errors';
import type { CustomerAttributes } from '../modules/datasets/dataset-schema';
import type { FeatureContributions, FeatureMatrix, TrainedModel } from '../plugins/contract';

/** One reason behind a score: a feature and how far it moved the model's raw score. */
export interface TopContribution {
  readonly feature: string;
  /** Positive raised the score, negative lowered it; in the model's own units. */
  readonly contribution: number;
}

/**
 * Something that scores customers and can explain those scores, such as a model version's
 * scorer: it turns the records into features itself, with the version's own pipeline.
 */
export interface ExplainingScorer {
  readonly featureNames: readonly string[];
  explain?(records: readonly CustomerAttributes[]): Promise<FeatureContributions>;
}

/** Feature rows already preprocessed, with the names of their columns. */
export interface ExplainInput {
  readonly features: FeatureMatrix;
  readonly featureNames: readonly string[];
}

/**
 * The `k` largest contributions of each row by absolute value, largest first, with the
 * names of their features. Ties keep the features' order; exact zeros explain nothing and
 * are left out, so a row may get fewer than `k`.
 */
export function topContributions(
  contributions: FeatureContributions,
  featureNames: readonly string[],
  k: number,
): TopContribution[][] {
  const { rows, cols, values } = contributions;
  if (featureNames.length !== cols) {
    throw new Error(`${featureNames.length} feature names were given for ${cols} columns.`);
  }
  if (!Number.isInteger(k) || k < 1) {
    throw new Error(`k must be a whole number of at least 1, not ${k}.`);
  }

  const result: TopContribution[][] = [];
  const order = Array.from({ length: cols }, (_, j) => j);
  for (let i = 0; i < rows; i++) {
    const row = values.subarray(i * cols, (i + 1) * cols);
    const top = order
      .filter((j) => row[j] !== 0)
      .sort((a, b) => Math.abs(row[b]) - Math.abs(row[a]) || a - b)
      .slice(0, k);
    result.push(top.map((j) => ({ feature: featureNames[j], contribution: row[j] })));
  }

  return result;
}

/**
 * Why each customer got their score: the `k` features that moved it most. Takes a scorer
 * and customer records, or a trained model and preprocessed feature rows.
 *
 * @throws UserError `explain_unsupported` when the model (or scorer) cannot explain.
 */
export function explainTop(
  scorer: ExplainingScorer,
  records: readonly CustomerAttributes[],
  k?: number,
): Promise<TopContribution[][]>;
export function explainTop(
  model: TrainedModel,
  input: ExplainInput,
  k?: number,
): Promise<TopContribution[][]>;
export async function explainTop(
  source: ExplainingScorer | TrainedModel,
  input: readonly CustomerAttributes[] | ExplainInput,
  k = 3,
): Promise<TopContribution[][]> {
  if ('predict' in source) {
    const { features, featureNames } = input as ExplainInput;
    if (!source.explain) throw unsupported();

    return topContributions(await source.explain({ features }), featureNames, k);
  }

  if (!source.explain) throw unsupported();
  const records = input as readonly CustomerAttributes[];
  if (records.length === 0) {
    return [];
  }

  return topContributions(await source.explain(records), source.featureNames, k);
}

function unsupported(): UserError {
  return new UserError(
    'explain_unsupported',
    'This model cannot explain its scores: its plugin does not declare the explain ' +
      'capability. Use a plugin that does (logistic, svm, neural) to get reasons.',
    422,
  );
}
