import { ScoreTally } from '../../../src/modules/scoring/score-distribution';

describe('ScoreTally', () => {
  it('adds up counts and means per decile over several batches', () => {
    const tally = new ScoreTally();
    tally.add(Float64Array.from([0.9, 0.8, 0.1]), Uint8Array.from([1, 1, 10]));
    tally.add(Float64Array.from([0.7, 0.05]), Uint8Array.from([1, 10]));

    const summary = tally.summary();

    expect(summary.customers).toBe(5);
    expect(summary.meanProbability).toBeCloseTo((0.9 + 0.8 + 0.1 + 0.7 + 0.05) / 5, 12);
    expect(summary.minProbability).toBe(0.05);
    expect(summary.maxProbability).toBe(0.9);
    expect(summary.deciles).toHaveLength(10);
    expect(summary.deciles[0]).toEqual({
      decile: 1,
      customers: 3,
      share: 0.6,
      meanProbability: expect.closeTo(0.8, 12),
    });
    expect(summary.deciles[9].customers).toBe(2);
    expect(summary.deciles[9].meanProbability).toBeCloseTo(0.075, 12);
    expect(summary.deciles[4]).toEqual({
      decile: 5,
      customers: 0,
      share: 0,
      meanProbability: null,
    });
  });

  it('reports nulls, not NaN, when nobody was scored', () => {
    const summary = new ScoreTally().summary();

    expect(summary.customers).toBe(0);
    expect(summary.meanProbability).toBeNull();
    expect(summary.minProbability).toBeNull();
    expect(summary.deciles.every((d) => d.customers === 0 && d.share === 0)).toBe(true);
  });

  it('refuses deciles that do not line up with the probabilities', () => {
    expect(() => new ScoreTally().add(new Float64Array(3), new Uint8Array(2))).toThrow(
      '2 deciles for 3 probabilities',
    );
  });
});
