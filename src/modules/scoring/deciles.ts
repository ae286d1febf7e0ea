import { ConflictError } from '../../common/errors';

/**
 * Deciles that mean the same in every run. A model version's cut points are fixed once,
 * from the score quantiles of its held-out test split (the decile table stored with its
 * metrics), so a customer's decile depends only on their probability and the version —
 * not on who else was scored, and not on whether they were scored in a batch or alone.
 */

/** One row of a stored decile table, as `decileTable` of the evaluation writes it. */
export interface DecileBounds {
  readonly decile: number;
  readonly minScore: number;
  readonly maxScore: number;
}

export const DECILE_COUNT = 10;

/**
 * The nine cut points of a decile table, highest first: `cuts[d - 1]` separates decile d
 * from decile d + 1 and lies halfway between the lowest test score of decile d and the
 * highest of decile d + 1 (the two are equal when tied scores straddle the cut).
 *
 * @throws ConflictError `model_version_deciles_invalid` when the table is missing rows,
 *   holds a non-finite score or is not ordered from the highest scores down.
 */
export function decileCutPoints(table: unknown, version = 'this model version'): number[] {
  const rows = readTable(table, version);
  const cuts: number[] = [];
  for (let d = 1; d < DECILE_COUNT; d++) {
    const upper = rows[d - 1];
    const lower = rows[d];
    if (upper.minScore < lower.maxScore) {
      throw tableInvalid(version, `decile ${d + 1} scores above decile ${d}`);
    }
    cuts.push((upper.minScore + lower.maxScore) / 2);
  }

  return cuts;
}

/**
 * The decile of a probability: 1 for the top tenth of the test split's scores, 10 for the
 * bottom tenth. A probability equal to a cut point goes to the higher decile.
 */
export function decileOf(probability: number, cuts: readonly number[]): number {
  if (Number.isNaN(probability)) {
    throw new Error('A decile needs a probability; got NaN.');
  }
  for (let d = 0; d < cuts.length; d++) {
    if (probability >= cuts[d]) {
      return d + 1;
    }
  }

  return cuts.length + 1;
}

/** The deciles of many probabilities at once, one byte each. */
export function decilesOf(probabilities: Float64Array, cuts: readonly number[]): Uint8Array {
  const deciles = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) {
    deciles[i] = decileOf(probabilities[i], cuts);
  }

  return deciles;
}

function readTable(table: unknown, version: string): DecileBounds[] {
  if (!Array.isArray(table) || table.length !== DECILE_COUNT) {
    throw tableInvalid(version, `it needs ${DECILE_COUNT} rows`);
  }
  const rows = [...(table as Partial<DecileBounds>[])].sort(
    (a, b) => Number(a?.decile) - Number(b?.decile),
  );
  rows.forEach((row, i) => {
    const ok =
      row?.decile === i + 1 &&
      Number.isFinite(row.minScore) &&
      Number.isFinite(row.maxScore) &&
      (row.minScore as number) <= (row.maxScore as number);
    if (!ok) {
      throw tableInvalid(version, `row ${i + 1} needs decile ${i + 1} and minScore <= maxScore`);
    }
  });

  return rows as DecileBounds[];
}

function tableInvalid(version: string, why: string): ConflictError {
  return new ConflictError(
    'model_version_deciles_invalid',
    `The decile table stored with ${version} cannot fix decile cut points: ${why}. ` +
      'Train the model again to record a new one.',
  );
}
