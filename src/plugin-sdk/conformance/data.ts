import { createRandom } from '../../common/random';
import type { FeatureMatrix } from '../../plugins/contract';

/** Rows, labels and column names, the way the host hands them to `train`. */
export interface LabelledRows {
  readonly features: FeatureMatrix;
  readonly labels: Uint8Array;
  readonly featureNames: readonly string[];
}

/** The two columns that decide the label come first; the other two are noise. */
export const SEPARABLE_FEATURES = ['signal_a', 'signal_b', 'noise_a', 'noise_b'] as const;

/** Rows on either side of the plane signal_a + signal_b = 0 keep at least this distance. */
const MARGIN = 0.5;

/**
 * Linearly separable rows with a margin: the label says on which side of the plane
 * `signal_a + signal_b = 0` a row lies, the noise columns are standard normal, and every
 * column has about unit scale, like the host's standardised features. Classes alternate,
 * so both are always present.
 */
export function separableRows(rows: number, seed: number): LabelledRows {
  const random = createRandom(`conformance:${seed}`);
  const cols = SEPARABLE_FEATURES.length;
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % 2;
    const across = (labels[i] ? 1 : -1) * (MARGIN + Math.abs(random.normal()));
    const along = random.normal();
    values[i * cols] = (across + along) / Math.SQRT2;
    values[i * cols + 1] = (across - along) / Math.SQRT2;
    values[i * cols + 2] = random.normal();
    values[i * cols + 3] = random.normal();
  }

  return { features: { rows, cols, values }, labels, featureNames: [...SEPARABLE_FEATURES] };
}

/** The same rows with every value multiplied by `factor`: far outside the training range. */
export function scaledRows(features: FeatureMatrix, factor: number): FeatureMatrix {
  return { ...features, values: features.values.map((v) => v * factor) };
}

/** The training sets a plugin must refuse, each with what is wrong with it. */
export function badTrainingSets(good: LabelledRows): { problem: string; rows: LabelledRows }[] {
  const withNaN = Float64Array.from(good.features.values);
  withNaN[good.features.cols + 1] = NaN;

  return [
    {
      problem: 'a NaN feature value',
      rows: { ...good, features: { ...good.features, values: withNaN } },
    },
    {
      problem: 'no rows at all',
      rows: {
        ...good,
        features: { rows: 0, cols: good.features.cols, values: new Float64Array(0) },
        labels: new Uint8Array(0),
      },
    },
    {
      problem: 'only one class (every label 0)',
      rows: { ...good, labels: new Uint8Array(good.labels.length) },
    },
  ];
}
