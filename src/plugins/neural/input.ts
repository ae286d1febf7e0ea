import { UserError } from '../../common/errors';
import { FeatureMatrix } from '../contract';

/** Refuses feature rows whose shape does not add up or that hold NaN or an infinity. */
export function checkFeatures(
  features: FeatureMatrix,
  expectedCols: number,
  shapeCode: string,
  featureNames?: readonly string[],
): void {
  const { rows, cols, values } = features;
  if (cols !== expectedCols) {
    throw new UserError(
      shapeCode,
      `The rows have ${cols} feature columns; ${expectedCols} are expected.`,
      422,
    );
  }
  if (values.length !== rows * cols) {
    throw new UserError(
      shapeCode,
      `The feature matrix holds ${values.length} values; ${rows} rows × ${cols} columns need ` +
        `${rows * cols}.`,
      422,
    );
  }

  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / cols);
      const column = i % cols;
      const name = featureNames?.[column] ?? `column ${column}`;

      throw new UserError(
        'features_not_finite',
        `Feature "${name}" of row ${row} is ${values[i]}; impute or drop missing values first.`,
        422,
        [{ message: 'not a finite number', line: row, column, field: featureNames?.[column] }],
      );
    }
  }
}

/** Checks a training set before any tensor is made, so that mistakes surface as `UserError`s. */
export function checkTrainingSet(args: {
  readonly features: FeatureMatrix;
  readonly labels: Uint8Array;
  readonly featureNames: readonly string[];
  readonly sampleWeights?: Float64Array;
}): void {
  const { features, labels, featureNames, sampleWeights } = args;
  if (features.rows === 0 || labels.length === 0) {
    throw new UserError('training_set_empty', 'The training set has no rows.', 422);
  }
  if (labels.length !== features.rows) {
    throw new UserError(
      'training_set_shape',
      `There are ${features.rows} feature rows but ${labels.length} labels; give one label a row.`,
      422,
    );
  }
  if (features.cols === 0 || featureNames.length !== features.cols) {
    throw new UserError(
      'training_set_shape',
      `There are ${features.cols} feature columns and ${featureNames.length} feature names; ` +
        'give at least one column and one name each.',
      422,
    );
  }
  if (sampleWeights && sampleWeights.length !== labels.length) {
    throw new UserError(
      'training_set_shape',
      `There are ${labels.length} rows but ${sampleWeights.length} sample weights.`,
      422,
    );
  }
  checkFeatures(features, features.cols, 'training_set_shape', featureNames);

  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1) {
      throw new UserError(
        'labels_not_binary',
        `The label of row ${i} is ${labels[i]}; labels must be 0 or 1.`,
        422,
      );
    }
    positives += labels[i];
  }
  if (positives === 0 || positives === labels.length) {
    throw new UserError(
      'training_set_one_class',
      `Every training row has label ${labels[0]}; a classifier needs rows of both classes.`,
      422,
    );
  }

  if (sampleWeights) {
    let total = 0;
    for (const w of sampleWeights) {
      if (!Number.isFinite(w) || w < 0) {
        throw new UserError(
          'sample_weights_invalid',
          `Sample weights must be finite and not negative; found ${w}.`,
          422,
        );
      }
      total += w;
    }
    if (total === 0) {
      throw new UserError('sample_weights_invalid', 'Every sample weight is zero.', 422);
    }
  }
}
