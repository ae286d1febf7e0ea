import { UserError } from '../../../common/errors';
import { createRandom, Random } from '../../../common/random';
import { checkLabels } from './inputs';

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
 * Splits rows into a training and a test part, each class on its own: of a class with `k`
 * rows, `round(k × testShare)` go to the test part. The test part's share of positives
 * therefore differs from the whole data's by less than one row. The same labels and seed
 * always give the same split.
 */
export function stratifiedSplit(
  labels: Uint8Array,
  args: { readonly testShare: number; readonly seed: number },
): TrainTestSplit {
  const { testShare, seed } = args;
  if (!(testShare > 0 && testShare < 1)) {
    throw new UserError(
      'split_test_share_invalid',
      `The test share must be strictly between 0 and 1; it is ${testShare}.`,
    );
  }
  checkLabels(labels);

  const random = createRandom(seed);
  const test: number[] = [];
  const train: number[] = [];
  for (const rows of shuffledClasses(labels, random)) {
    const testRows = Math.round(rows.length * testShare);
    for (let i = 0; i < rows.length; i++) (i < testRows ? test : train).push(rows[i]);
  }

  if (test.length === 0 || train.length === 0) {
    throw new UserError(
      'split_too_few_rows',
      `${labels.length} rows with a test share of ${testShare} leave the ` +
        `${test.length === 0 ? 'test' : 'training'} part empty; use more rows or another share.`,
    );
  }

  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
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
