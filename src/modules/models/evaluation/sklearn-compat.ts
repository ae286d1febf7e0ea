import { MersenneTwister19937 } from 'random-js';
import { UserError } from '../../../common/errors';

/**
 * scikit-learn's stratified `train_test_split`, draw for draw, so that a seed picks the same
 * held-out rows here as in a notebook. That takes numpy's legacy `RandomState`: MT19937
 * seeded from one 32-bit integer, and the bounded draw its `shuffle`, `permutation` and
 * `choice` use. Written against scikit-learn 1.2.1 and numpy 1.24; the figures it must
 * reproduce are in test/fixtures/evaluation/sklearn-split.json.
 */

const UINT32_MAX = 0xffffffff;

/** The parts of numpy's legacy `RandomState` that scikit-learn's stratified split draws on. */
export class LegacyRandomState {
  private readonly engine: MersenneTwister19937;

  /** `seed` must be an integer in [0, 2³² − 1], the range `RandomState(seed)` accepts. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
      throw new UserError(
        'split_seed_invalid',
        `The seed must be an integer from 0 to ${UINT32_MAX}, as numpy requires; it is ${seed}.`,
      );
    }

    // random-js seeds the twister with the reference init_genrand, which is what numpy does
    // for an integer seed, so both produce the same stream of 32-bit outputs.
    this.engine = MersenneTwister19937.seed(seed);
  }

  /** The generator's next 32-bit output, unsigned. */
  nextUint32(): number {
    return this.engine.next() >>> 0;
  }

  /**
   * A uniform integer in [0, max]: numpy keeps the low bits under the smallest all-ones mask
   * that covers `max` and draws again while the result exceeds `max`. Bounds past 2³² − 1,
   * where numpy switches to 64-bit outputs, are not supported; no split has that many rows.
   */
  interval(max: number): number {
    if (max === 0) return 0;

    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;

    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);

    return value;
  }

  /** Shuffles `items` in place, Fisher–Yates from the last position down, and returns it. */
  shuffle<T extends Uint32Array | number[]>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }

    return items;
  }

  /** `permutation(n)`: 0 … n − 1 shuffled. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;

    return this.shuffle(order);
  }

  /**
   * `choice(items, size, replace=False)`: the legacy generator shuffles all positions and keeps
   * the first `size`, so it spends draws on the whole population even when `size` is smaller.
   */
  choice(items: ArrayLike<number>, size: number): number[] {
    const order = this.permutation(items.length);

    return Array.from(order.subarray(0, size), (position) => items[position]);
  }
}

/**
 * scikit-learn's `_approximate_mode`: how many of `draws` rows each class gets, in proportion
 * to `classCounts`, rounded down and then topped up, largest remainder first, until they add
 * up to `draws`. Classes tied on a remainder are picked among with `random` even when all of
 * them get a row, because scikit-learn draws then too and later draws depend on it.
 */
export function approximateMode(
  classCounts: readonly number[],
  draws: number,
  random: LegacyRandomState,
): number[] {
  const total = classCounts.reduce((sum, count) => sum + count, 0);
  // Divide first, then multiply, as numpy does: the remainders are compared for exact
  // equality, so the rounding must be the same.
  const continuous = classCounts.map((count) => (count / total) * draws);
  const drawn = continuous.map(Math.floor);
  let needed = Math.trunc(draws - drawn.reduce((sum, count) => sum + count, 0));

  if (needed > 0) {
    const remainders = continuous.map((value, i) => value - drawn[i]);
    const levels = [...new Set(remainders)].sort((a, b) => b - a);
    for (const level of levels) {
      const tied: number[] = [];
      for (let i = 0; i < remainders.length; i++) if (remainders[i] === level) tied.push(i);
      const added = Math.min(tied.length, needed);
      for (const i of random.choice(tied, added)) drawn[i] += 1;
      needed -= added;
      if (needed === 0) break;
    }
  }

  return drawn;
}

/** Row indexes of each class, classes in ascending order of value, rows in row order. */
function rowsByClass(classes: ArrayLike<number>): Uint32Array[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < classes.length; i++) {
    counts.set(classes[i], (counts.get(classes[i]) ?? 0) + 1);
  }

  const values = [...counts.keys()].sort((a, b) => a - b);
  const position = new Map(values.map((value, k) => [value, k]));
  const groups = values.map((value) => new Uint32Array(counts.get(value) ?? 0));
  const filled = new Uint32Array(values.length);
  for (let i = 0; i < classes.length; i++) {
    const k = position.get(classes[i]) ?? 0;
    groups[k][filled[k]++] = i;
  }

  return groups;
}

/** A split in the order scikit-learn returns it (shuffled), not sorted. */
export interface OrderedSplit {
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

/**
 * The rows `train_test_split(X, y, test_size=testShare, random_state=seed, stratify=y)` puts
 * in each part, in the same order. `classes[i]` is the class of row `i`, compared as a
 * number. The test part has ⌈rows × testShare⌉ rows, the training part the rest. Refuses the
 * inputs scikit-learn refuses, with a `UserError` that says what to change.
 */
export function sklearnStratifiedSplit(
  classes: ArrayLike<number>,
  args: { readonly testShare: number; readonly seed: number },
): OrderedSplit {
  const { testShare, seed } = args;
  if (!(testShare > 0 && testShare < 1)) {
    throw new UserError(
      'split_test_share_invalid',
      `The test share must be strictly between 0 and 1; it is ${testShare}.`,
    );
  }
  const random = new LegacyRandomState(seed);

  const rows = classes.length;
  const testRows = Math.ceil(testShare * rows);
  const trainRows = rows - testRows;
  if (trainRows === 0) {
    throw new UserError(
      'split_too_few_rows',
      `${rows} rows with a test share of ${testShare} leave the training part empty; ` +
        'use more rows or a smaller share.',
    );
  }

  const groups = rowsByClass(classes);
  const counts = groups.map((group) => group.length);
  const smallest = counts.indexOf(Math.min(...counts));
  if (counts[smallest] < 2) {
    throw new UserError(
      'split_too_few_rows',
      `Class ${classes[groups[smallest][0]]} has only 1 row (row ${groups[smallest][0]}); ` +
        'a stratified split needs at least 2 rows of every class.',
    );
  }
  if (trainRows < groups.length || testRows < groups.length) {
    const part = testRows < groups.length ? 'test' : 'training';
    throw new UserError(
      'split_too_few_rows',
      `${rows} rows with a test share of ${testShare} give the ${part} part ` +
        `${Math.min(trainRows, testRows)} rows, fewer than the ${groups.length} classes; ` +
        'use more rows or another share.',
    );
  }

  // Training rows are allotted first and the test rows from what is left, both from the one
  // stream, so a tie broken in the first allotment moves every later draw.
  const trainCounts = approximateMode(counts, trainRows, random);
  const remaining = counts.map((count, i) => count - trainCounts[i]);
  const testCounts = approximateMode(remaining, testRows, random);

  // Shuffling a class's rows directly spends the same draws as scikit-learn's permutation
  // of its positions, and gives the same order.
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((group, i) => {
    const shuffled = random.shuffle(group);
    const cut = trainCounts[i];
    for (let k = 0; k < cut; k++) train.push(shuffled[k]);
    for (let k = cut; k < cut + testCounts[i]; k++) test.push(shuffled[k]);
  });

  return {
    train: random.shuffle(Uint32Array.from(train)),
    test: random.shuffle(Uint32Array.from(test)),
  };
}
