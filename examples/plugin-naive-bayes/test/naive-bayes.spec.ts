import { createRandom, FeatureMatrix, sigmoid } from 'bullseye/plugin';
import { runPluginConformance } from 'bullseye/plugin/testing';
import plugin from '../src';
import { fitGaussian, logOddsTerms, positiveProbabilities } from '../src/gaussian';

runPluginConformance(plugin);

describe('Gaussian naive Bayes', () => {
  // Class 1 centred at (2, 0), class 0 at (0, 0); the second feature has twice the spread.
  function twoBlobs(rows: number): { features: FeatureMatrix; labels: Uint8Array } {
    const random = createRandom(3);
    const values = new Float64Array(rows * 2);
    const labels = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      labels[i] = i % 2;
      values[2 * i] = 2 * labels[i] + random.normal();
      values[2 * i + 1] = 2 * random.normal();
    }

    return { features: { rows, cols: 2, values }, labels };
  }

  it('recovers the class means and variances it was drawn from', () => {
    const { features, labels } = twoBlobs(20000);
    const fit = fitGaussian(features, labels, new Float64Array(20000).fill(1), {
      varSmoothing: 1e-9,
      priors: 'fitted',
    });
    const [negative, positive] = fit.classes;

    expect(positive.means[0]).toBeCloseTo(2, 1);
    expect(negative.means[0]).toBeCloseTo(0, 1);
    expect(positive.variances[0]).toBeCloseTo(1, 1);
    expect(negative.variances[1]).toBeCloseTo(4, 0);
    expect(Math.exp(positive.logPrior)).toBe(0.5);
  });

  it('turns the summed per-feature log-odds into the probability, without NaN far out', () => {
    const { features, labels } = twoBlobs(200);
    const fit = fitGaussian(features, labels, new Float64Array(200).fill(1), {
      varSmoothing: 1e-9,
      priors: 'uniform',
    });
    const far: FeatureMatrix = { rows: 2, cols: 2, values: Float64Array.of(1e6, 0, -1e6, 0) };
    const terms = logOddsTerms(fit, features);
    const p = positiveProbabilities(fit, features);

    // Far from both means, the class with the wider spread explains a value better.
    const wider = fit.classes[1].variances[0] > fit.classes[0].variances[0] ? 1 : 0;

    expect(p[7]).toBeCloseTo(sigmoid(terms[14] + terms[15]), 12);
    expect(Array.from(positiveProbabilities(fit, far))).toEqual([wider, wider]);
  });

  it('weighs rows by their sample weights', () => {
    const features: FeatureMatrix = { rows: 4, cols: 1, values: Float64Array.of(0, 2, 10, 20) };
    const labels = Uint8Array.of(0, 0, 1, 1);
    const fit = fitGaussian(features, labels, Float64Array.of(1, 3, 1, 1), {
      varSmoothing: 1e-9,
      priors: 'fitted',
    });

    expect(fit.classes[0].means[0]).toBe(1.5);
    expect(Math.exp(fit.classes[1].logPrior)).toBeCloseTo(2 / 6, 12);
  });
});
