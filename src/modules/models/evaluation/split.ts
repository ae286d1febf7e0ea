import { UserError } from '../../../common/errors';
import { createRandom, Random } from '../../../common/random';
import { checkLabels } from './inputs';
import { sklearnStratifiedSplit } from './sklearn-compat';

export interface TrainTestSplit {
  /** Row indexes of the training rows, ascending. */
  readonly train: Uint32Array;
  /** Row indexes of the test rows, ascending. */
  readonly test: Uint32Array;
}

/** The row indexes of each class, each list shuffled by `random`; negatives first. */
function shuffledClasses(labels: Uint8Array, random: Random): [Uint32Array, Uint32Array] {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];

  const negativeRows = new Uint32Array(labels.length - positives);
  const positiveRows = new Uint32Array(positives);
  let n = 0;
  let p = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) positiveRows[p++] = i;
    else negativeRows[n++] = i;
  }

  return [random.shuffle(negativeRows), random.shuffle(positiveRows)];
}

/**
 * Splits rows into a training and a test part exactly as scikit-learn's
 * `train_test_split(X, y, test_size=testShare, random_state=seed, stratify=y)` does (1.2.1,
 * numpy's legacy `RandomState`), so a model measured here and one measured in scikit-learn
 * with the same seed are tested on the same customers. The test part has ⌈rows × testShare⌉
 * rows; each class's rows are shared between the parts in proportion to its size, ties on
 * the last row broken by the seed, so the test part's count of positives differs from the
 * whole data's rate by less than one row. `seed` must be an integer in [0, 2³² − 1].
 */
export function stratifiedSplit(
  labels: Uint8Array,
  args: { readonly testShare: number; readonly seed: number },
): TrainTestSplit {
  checkLabels(labels);

  const { train, test } = sklearnStratifiedSplit(labels, args);

  return { train: train.slice().sort(), test: test.slice().sort() };
}

/**
 * Partitions rows into `folds` test folds. Each class is shuffled and dealt round the
 * folds like cards, the positives continuing where the negatives stopped, so every fold's
 * count of each class, and its size, differ from any other fold's by at most one. Returns
 * the test rows of each fold, ascending; a fold's training rows are all the others.
 */
export function stratifiedKFold(
  labels: Uint8Array,
  args: { readonly folds: number; readonly seed: number },
): Uint32Array[] {
  const { folds, seed } = args;
  if (!Number.isInteger(folds) || folds < 2) {
    throw new UserError(
      'split_folds_invalid',
      `The number of folds must be an integer of at least 2; it is ${folds}.`,
    );
  }
  if (folds > labels.length) {
    throw new UserError(
      'split_too_few_rows',
      `${labels.length} rows cannot fill ${folds} folds; use at most ${labels.length} folds.`,
    );
  }
  checkLabels(labels);

  const members: number[][] = Array.from({ length: folds }, () => []);
  let dealt = 0;
  for (const rows of shuffledClasses(labels, createRandom(seed))) {
    for (const row of rows) members[dealt++ % folds].push(row);
  }

  return members.map((rows) => Uint32Array.from(rows).sort());
}
