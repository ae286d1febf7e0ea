import {
  digamma,
  mean,
  meanStd,
  median,
  presentValues,
} from '../../../src/modules/preprocessing/statistics';

describe('statistics', () => {
  // [1, 2, 3, 4, 10]: sum 20, mean 4; deviations -3 -2 -1 0 6, squares 9 4 1 0 36 = 50,
  // population variance 50 / 5 = 10.
  const values = Float64Array.from([4, 10, 1, 3, 2]);

  it('computes the mean, the median and the population std', () => {
    expect(mean(values)).toBe(4);
    expect(median(values)).toBe(3);
    expect(meanStd(values).std).toBeCloseTo(Math.sqrt(10), 12);
  });

  it('takes the mean of the two middle values for an even count, without sorting the input', () => {
    const even = Float64Array.from([100, 1, 3, 2]);

    expect(median(even)).toBe(2.5);
    expect(Array.from(even)).toEqual([100, 1, 3, 2]);
  });

  it('gives a constant column its exact value and a std of 0', () => {
    const constant = new Float64Array(7).fill(0.1);

    expect(meanStd(constant)).toEqual({ mean: 0.1, std: 0 });
  });

  it('drops NaN when collecting present values', () => {
    expect(Array.from(presentValues(Float64Array.from([1, NaN, 3, NaN])))).toEqual([1, 3]);
  });

  it('returns NaN for statistics of no values', () => {
    expect(mean(new Float64Array(0))).toBeNaN();
    expect(median(new Float64Array(0))).toBeNaN();
  });

  it('computes digamma: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(10) = H₉ − γ', () => {
    const gamma = 0.5772156649015329;
    let harmonic9 = 0;
    for (let i = 1; i <= 9; i++) harmonic9 += 1 / i;

    expect(digamma(1)).toBeCloseTo(-gamma, 12);
    expect(digamma(0.5)).toBeCloseTo(-gamma - 2 * Math.log(2), 12);
    expect(digamma(10)).toBeCloseTo(harmonic9 - gamma, 12);
    expect(digamma(1000)).toBeCloseTo(Math.log(1000) - 1 / 2000 - 1 / 12e6, 12);
  });
});
