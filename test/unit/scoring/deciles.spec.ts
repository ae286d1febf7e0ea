import { createRandom } from '../../../src/common/random';
import { UserError } from '../../../src/common/errors';
import { decileTable } from '../../../src/modules/models/evaluation';
import { decileCutPoints, decileOf, decilesOf } from '../../../src/modules/scoring/deciles';

/** Probabilities shaped like a model's: a logistic of a normal, seeded. */
function sample(n: number, seed: number): Float64Array {
  const random = createRandom(seed);

  return Float64Array.from({ length: n }, () => 1 / (1 + Math.exp(-(random.normal() - 2))));
}

function tableOf(scores: Float64Array) {
  return decileTable(
    new Uint8Array(scores.length).fill(0).map((_, i) => i % 2),
    scores,
  );
}

/** Rows of a hand-made table: decile d spans [lows[d-1], highs[d-1]]. */
function handTable(highs: number[], lows: number[]) {
  return highs.map((maxScore, i) => ({ decile: i + 1, minScore: lows[i], maxScore }));
}

describe('decileCutPoints', () => {
  it('cuts halfway between neighbouring deciles of the test scores', () => {
    const highs = [0.95, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const lows = [0.85, 0.75, 0.62, 0.55, 0.45, 0.33, 0.25, 0.12, 0.06, 0.01];

    const cuts = decileCutPoints(handTable(highs, lows));

    expect(cuts).toHaveLength(9);
    expect(cuts[0]).toBeCloseTo((0.85 + 0.8) / 2, 12);
    expect(cuts[3]).toBeCloseTo((0.55 + 0.5) / 2, 12);
    expect(cuts[8]).toBeCloseTo((0.06 + 0.05) / 2, 12);
  });

  it('gives each test score back the decile the evaluation put it in', () => {
    const scores = sample(1000, 7);
    const table = tableOf(scores);
    const cuts = decileCutPoints(table);

    const deciles = decilesOf(scores, cuts);
    for (const row of table) {
      const inRow = scores.filter((s) => s >= row.minScore && s <= row.maxScore);
      const assigned = [...deciles].filter((d) => d === row.decile).length;
      expect(assigned).toBe(row.customers);
      expect(inRow.length).toBe(row.customers);
    }
  });

  it('splits a new sample of the same population into roughly equal tenths', () => {
    // Cut points from 2,000 test scores; the share of 100,000 new customers in a decile
    // then has a standard deviation of about sqrt(0.1 × 0.9 / 2000) ≈ 0.0067.
    const cuts = decileCutPoints(tableOf(sample(2000, 11)));
    const fresh = decilesOf(sample(100_000, 12), cuts);

    const counts = new Array(10).fill(0);
    for (const d of fresh) counts[d - 1]++;
    for (const count of counts) {
      expect(count / fresh.length).toBeGreaterThan(0.08);
      expect(count / fresh.length).toBeLessThan(0.12);
    }
  });

  it('accepts the rows in any order', () => {
    const table = tableOf(sample(500, 3));

    expect(decileCutPoints([...table].reverse())).toEqual(decileCutPoints(table));
  });

  it.each([
    ['no table', undefined],
    ['nine rows', handTable([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], new Array(9).fill(0))],
    [
      'a missing score',
      handTable([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, NaN], new Array(10).fill(0)),
    ],
    [
      'deciles out of order',
      handTable(
        [0.5, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05],
        [0.45, 0.85, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.06, 0.0],
      ),
    ],
  ])('refuses %s with model_version_deciles_invalid (409)', (_, table) => {
    let error: unknown;
    try {
      decileCutPoints(table, 'model "bank" version 2');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('model_version_deciles_invalid');
    expect((error as UserError).status).toBe(409);
    expect((error as UserError).message).toContain('model "bank" version 2');
  });
});

describe('decileOf', () => {
  const cuts = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

  it('puts the top scores in decile 1 and the bottom ones in decile 10', () => {
    expect(decileOf(1, cuts)).toBe(1);
    expect(decileOf(0.85, cuts)).toBe(2);
    expect(decileOf(0.35, cuts)).toBe(7);
    expect(decileOf(0.05, cuts)).toBe(10);
    expect(decileOf(0, cuts)).toBe(10);
  });

  it('gives a probability equal to a cut point the higher decile', () => {
    expect(decileOf(0.9, cuts)).toBe(1);
    expect(decileOf(0.1, cuts)).toBe(9);
  });

  it('refuses NaN instead of calling it decile 10', () => {
    expect(() => decileOf(NaN, cuts)).toThrow('NaN');
  });
});
