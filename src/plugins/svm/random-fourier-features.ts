/**
 * Random Fourier features (Rahimi & Recht 2007): z(x) = √(2/D)·cos(Ωx + φ), with the D rows of
 * Ω drawn from N(0, 2γ·I) and φ uniform on [0, 2π), so that z(x)·z(x') approximates the RBF
 * kernel exp(−γ‖x − x'‖²). A linear model on z is then an approximate kernel machine whose
 * cost grows with D rather than with the number of rows squared.
 */
import { Random } from '../../common/random';
import { FeatureMatrix } from '../contract';
import { DenseRows, toRowMatrix } from '../linear-algebra';

export interface FourierMap {
  readonly inputs: number;
  readonly components: number;
  readonly gamma: number;
  /** Ω stored input-major: the weight of input j in component k is `omega[j * components + k]`. */
  readonly omega: Float64Array;
  readonly phase: Float64Array;
}

export function sampleFourierMap(
  inputs: number,
  components: number,
  gamma: number,
  random: Random,
): FourierMap {
  const spread = Math.sqrt(2 * gamma);
  const omega = new Float64Array(inputs * components);
  for (let k = 0; k < omega.length; k++) omega[k] = spread * random.normal();
  const phase = new Float64Array(components);
  for (let k = 0; k < components; k++) phase[k] = 2 * Math.PI * random.next();

  return { inputs, components, gamma, omega, phase };
}

/**
 * z(x) for every row of `features`, as dense rows of `components` columns, plus a last
 * column holding `constant` when it is given.
 */
export function fourierFeatures(
  features: FeatureMatrix,
  map: FourierMap,
  constant?: number,
): DenseRows {
  const { components, omega, phase } = map;
  const x = toRowMatrix(features);
  const width = components + (constant === undefined ? 0 : 1);
  const out = new Float64Array(x.rows * width);
  const angle = new Float64Array(components);
  const scale = Math.sqrt(2 / components);

  for (let i = 0; i < x.rows; i++) {
    angle.set(phase);
    const dense = x.kind === 'dense';
    const first = dense ? i * x.cols : x.start[i];
    const end = dense ? first + x.cols : x.start[i + 1];
    for (let p = first; p < end; p++) {
      const v = x.values[p];
      if (v === 0) continue;
      const offset = (dense ? p - first : x.index[p]) * components;
      for (let k = 0; k < components; k++) angle[k] += v * omega[offset + k];
    }

    const row = i * width;
    for (let k = 0; k < components; k++) out[row + k] = scale * Math.cos(angle[k]);
    if (constant !== undefined) out[row + components] = constant;
  }

  return { kind: 'dense', rows: x.rows, cols: width, values: out };
}
