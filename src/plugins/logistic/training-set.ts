/**
 * Checks of the rows a linear model is trained on or applied to, and the per-row weights
 * that class weights and sample weights combine into. Shared by the `logistic` and `svm`
 * plugins.
 */
import { UserError } from '../../common/errors';
import { FeatureMatrix } from '../contract';

export type ClassWeight = 'none' | 'balanced';

export interface TrainingSet {
  readonly features: FeatureMatrix;
  readonly labels: Uint8Array;
  readonly featureNames: readonly string[];
  readonly sampleWeights?: Float64Array;
}

/** Throws a `UserError` naming the first thing wrong with a training set. */
export function checkTrainingSet({
  features,
  labels,
  featureNames,
  sampleWeights,
}: TrainingSet): void {
  const { rows, cols } = features;
  if (labels.length !== rows) {
    throw shapeError(`${labels.length} labels were given for ${rows} feature rows.`);
  }

  if (featureNames.length !== cols) {
    throw shapeError(`${featureNames.length} feature names were given for ${cols} columns.`);
  }

  if (sampleWeights && sampleWeights.length !== rows) {
    throw shapeError(`${sampleWeights.length} sample weights were given for ${rows} rows.`);
  }

  if (rows === 0) {
    throw new UserError('training_set_empty', 'The training set has no rows.', 422);
  }

  checkFeatures(features, cols, featureNames);

  const present = [false, false];
  for (let i = 0; i < rows; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new UserError(
        'labels_not_binary',
        `Label ${label} at row ${i} is neither 0 nor 1.`,
        422,
        [{ message: 'label must be 0 or 1', path: `$.labels[${i}]` }],
      );
    }

    const weight = sampleWeights ? sampleWeights[i] : 1;
    if (!Number.isFinite(weight) || weight < 0) {
      throw new UserError(
        'sample_weights_invalid',
        `Sample weight ${weight} at row ${i} is not a finite number ≥ 0.`,
        422,
        [{ message: 'weight must be finite and not negative', path: `$.sampleWeights[${i}]` }],
      );
    }

    if (weight > 0) present[label] = true;
  }

  if (!present[0] || !present[1]) {
    const only = present[1] ? 'positive (1)' : 'negative (0)';
    throw new UserError(
      'training_set_one_class',
      `Every weighted row of the training set is ${only}; a model needs both classes.`,
      422,
    );
  }
}

/** Throws a `UserError` unless `features` has `cols` columns of finite values. */
export function checkFeatures(
  features: FeatureMatrix,
  cols: number,
  featureNames?: readonly string[],
): void {
  if (features.cols !== cols || features.values.length !== features.rows * features.cols) {
    throw new UserError(
      'features_shape',
      `Expected ${cols} feature columns; got ${features.cols} columns and ` +
        `${features.values.length} values for ${features.rows} rows.`,
      422,
    );
  }

  const values = features.values;
  for (let k = 0; k < values.length; k++) {
    // v − v is 0 for every finite v and NaN for NaN and ±∞: one subtraction per value.
    if (values[k] - values[k] !== 0) {
      const row = Math.floor(k / cols);
      const column = k - row * cols;
      const name = featureNames?.[column] ?? `column ${column}`;
      throw new UserError(
        'features_not_finite',
        `Feature "${name}" of row ${row} is ${values[k]}; impute or drop it before training.`,
        422,
        [{ message: 'value must be a finite number', field: name, path: `$[${row}][${column}]` }],
      );
    }
  }
}

/**
 * The weight of each row in the loss: its sample weight (1 without), times its class weight.
 * `balanced` gives class c the weight n / (2·n_c), counted over rows, so both classes carry
 * the same total weight when sample weights are uniform.
 */
export function rowWeights(
  labels: Uint8Array,
  classWeight: ClassWeight,
  sampleWeights?: Float64Array,
): Float64Array {
  const n = labels.length;
  const weights = sampleWeights ? Float64Array.from(sampleWeights) : new Float64Array(n).fill(1);
  if (classWeight === 'none') return weights;

  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const byClass = [n / (2 * (n - positives)), n / (2 * positives)];
  for (let i = 0; i < n; i++) weights[i] *= byClass[labels[i]];

  return weights;
}

function shapeError(message: string): UserError {
  return new UserError('training_set_shape', message, 422);
}
