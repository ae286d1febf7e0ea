/**
 * Dense and compressed-row kernels on Float64Array for the linear model plugins.
 *
 * Preprocessed marketing data is mostly one-hot columns, so a row holds few non-zeros: storing
 * rows compressed makes every pass over the data cost the number of non-zeros rather than
 * rows × columns. Dense storage is kept for data that is not sparse (e.g. random features).
 */
import { FeatureMatrix } from './contract';

/** Every row stores all `cols` values, row-major. */
export interface DenseRows {
  readonly kind: 'dense';
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

/** Row `i` holds entries `start[i]` to `start[i + 1] - 1`, column indices ascending. */
export interface SparseRows {
  readonly kind: 'sparse';
  readonly rows: number;
  readonly cols: number;
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly values: Float64Array;
}

export type RowMatrix = DenseRows | SparseRows;

/** Below this share of non-zeros, rows are stored compressed. */
const SPARSE_DENSITY = 0.4;
/** Rows looked at to estimate the share of non-zeros, so that the copy is a single pass. */
const DENSITY_SAMPLE_ROWS = 256;

/**
 * A row matrix over `features`, compressed when few values are non-zero. With `constant`, a
 * last column holding that value is appended to every row (an intercept); without it, dense
 * rows share the memory of `features`.
 */
export function toRowMatrix(features: FeatureMatrix, constant?: number): RowMatrix {
  const { rows, cols, values } = features;
  const extra = constant === undefined ? 0 : 1;
  const width = cols + extra;

  const density = estimateDensity(features);
  if (density > SPARSE_DENSITY) {
    if (!extra) return { kind: 'dense', rows, cols, values };

    const dense = new Float64Array(rows * width);
    for (let i = 0; i < rows; i++) {
      dense.set(values.subarray(i * cols, (i + 1) * cols), i * width);
      dense[i * width + cols] = constant as number;
    }

    return { kind: 'dense', rows, cols: width, values: dense };
  }

  const start = new Int32Array(rows + 1);
  let capacity = Math.ceil(rows * (1.25 * density * cols + extra)) + width;
  let index = new Int32Array(capacity);
  let kept = new Float64Array(capacity);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    if (k + width > capacity) {
      capacity = Math.ceil(1.5 * capacity) + width;
      const grownIndex = new Int32Array(capacity);
      grownIndex.set(index.subarray(0, k));
      index = grownIndex;
      const grownValues = new Float64Array(capacity);
      grownValues.set(kept.subarray(0, k));
      kept = grownValues;
    }

    start[i] = k;
    const offset = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = values[offset + j];
      if (v !== 0) {
        index[k] = j;
        kept[k++] = v;
      }
    }
    if (extra) {
      index[k] = cols;
      kept[k++] = constant as number;
    }
  }
  start[rows] = k;

  return {
    kind: 'sparse',
    rows,
    cols: width,
    start,
    index: index.subarray(0, k),
    values: kept.subarray(0, k),
  };
}

/** The share of non-zero values in evenly spaced rows. */
function estimateDensity({ rows, cols, values }: FeatureMatrix): number {
  if (rows === 0 || cols === 0) return 0;

  const sample = Math.min(rows, DENSITY_SAMPLE_ROWS);
  let nonZeros = 0;
  for (let s = 0; s < sample; s++) {
    const offset = Math.floor((s * rows) / sample) * cols;
    for (let j = 0; j < cols; j++) nonZeros += values[offset + j] !== 0 ? 1 : 0;
  }

  return nonZeros / (sample * cols);
}

/** x_i · w. */
export function rowDot(m: RowMatrix, i: number, w: Float64Array): number {
  const values = m.values;
  let sum = 0;
  if (m.kind === 'dense') {
    const offset = i * m.cols;
    for (let j = 0; j < m.cols; j++) sum += values[offset + j] * w[j];

    return sum;
  }

  const index = m.index;
  const end = m.start[i + 1];
  for (let k = m.start[i]; k < end; k++) sum += values[k] * w[index[k]];

  return sum;
}

/** w += a · x_i. */
export function rowAddScaled(m: RowMatrix, i: number, a: number, w: Float64Array): void {
  const values = m.values;
  if (m.kind === 'dense') {
    const offset = i * m.cols;
    for (let j = 0; j < m.cols; j++) w[j] += a * values[offset + j];

    return;
  }

  const index = m.index;
  const end = m.start[i + 1];
  for (let k = m.start[i]; k < end; k++) w[index[k]] += a * values[k];
}

/** ‖x_i‖². */
export function rowSquaredNorm(m: RowMatrix, i: number): number {
  const values = m.values;
  let sum = 0;
  if (m.kind === 'dense') {
    const offset = i * m.cols;
    for (let j = 0; j < m.cols; j++) sum += values[offset + j] * values[offset + j];

    return sum;
  }

  const end = m.start[i + 1];
  for (let k = m.start[i]; k < end; k++) sum += values[k] * values[k];

  return sum;
}

/**
 * H += a · x_i x_iᵀ on the lower triangle of the `cols` × `cols` row-major matrix `h`
 * (entries with column ≤ row); the upper triangle is left alone.
 */
export function rowAddOuter(m: RowMatrix, i: number, a: number, h: Float64Array): void {
  const values = m.values;
  const n = m.cols;
  if (m.kind === 'dense') {
    const offset = i * n;
    for (let p = 0; p < n; p++) {
      const av = a * values[offset + p];
      if (av === 0) continue;
      const hRow = p * n;
      for (let q = 0; q <= p; q++) h[hRow + q] += av * values[offset + q];
    }

    return;
  }

  const index = m.index;
  const first = m.start[i];
  const end = m.start[i + 1];
  for (let p = first; p < end; p++) {
    const av = a * values[p];
    const hRow = index[p] * n;
    for (let q = first; q <= p; q++) h[hRow + index[q]] += av * values[q];
  }
}

/**
 * H += Σᵢ aᵢ·xᵢxᵢᵀ on the lower triangle of `h`, over the rows with aᵢ ≠ 0. Dense rows are
 * taken four at a time, so that a wide H, which does not fit in cache, is swept a quarter
 * as often.
 */
export function addOuterProducts(m: RowMatrix, a: Float64Array, h: Float64Array): void {
  if (m.kind === 'sparse') {
    const { start, index, values } = m;
    const n = m.cols;
    for (let i = 0; i < m.rows; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      const first = start[i];
      const end = start[i + 1];
      for (let p = first; p < end; p++) {
        const av = ai * values[p];
        const hRow = index[p] * n;
        for (let q = first; q <= p; q++) h[hRow + index[q]] += av * values[q];
      }
    }

    return;
  }

  const block: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    if (a[i] === 0) continue;
    block.push(i);
    if (block.length === 4) {
      addFourOuter(m, block, a, h);
      block.length = 0;
    }
  }
  for (const i of block) rowAddOuter(m, i, a[i], h);
}

function addFourOuter(m: DenseRows, block: number[], a: Float64Array, h: Float64Array): void {
  const n = m.cols;
  const v = m.values;
  const [o0, o1, o2, o3] = block.map((i) => i * n);
  const [a0, a1, a2, a3] = block.map((i) => a[i]);
  for (let p = 0; p < n; p++) {
    const b0 = a0 * v[o0 + p];
    const b1 = a1 * v[o1 + p];
    const b2 = a2 * v[o2 + p];
    const b3 = a3 * v[o3 + p];
    const hRow = p * n;
    for (let q = 0; q <= p; q++) {
      h[hRow + q] += b0 * v[o0 + q] + b1 * v[o1 + q] + b2 * v[o2 + q] + b3 * v[o3 + q];
    }
  }
}

/** out_i = x_i · w + offset, for every row. */
export function multiply(
  m: RowMatrix,
  w: Float64Array,
  offset = 0,
  out?: Float64Array,
): Float64Array {
  const result = out ?? new Float64Array(m.rows);
  const values = m.values;
  if (m.kind === 'dense') {
    const n = m.cols;
    for (let i = 0; i < m.rows; i++) {
      let sum = offset;
      const first = i * n;
      for (let j = 0; j < n; j++) sum += values[first + j] * w[j];
      result[i] = sum;
    }

    return result;
  }

  const { start, index } = m;
  for (let i = 0; i < m.rows; i++) {
    let sum = offset;
    const end = start[i + 1];
    for (let k = start[i]; k < end; k++) sum += values[k] * w[index[k]];
    result[i] = sum;
  }

  return result;
}

/** out += Σᵢ aᵢ·xᵢ (the product Xᵀa), skipping rows with aᵢ = 0. */
export function addTransposed(m: RowMatrix, a: Float64Array, out: Float64Array): void {
  const values = m.values;
  if (m.kind === 'dense') {
    const n = m.cols;
    for (let i = 0; i < m.rows; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      const first = i * n;
      for (let j = 0; j < n; j++) out[j] += ai * values[first + j];
    }

    return;
  }

  const { start, index } = m;
  for (let i = 0; i < m.rows; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    const end = start[i + 1];
    for (let k = start[i]; k < end; k++) out[index[k]] += ai * values[k];
  }
}

export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];

  return sum;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/**
 * Cholesky factorisation A = L·Lᵀ in place: reads the lower triangle of the symmetric,
 * row-major `n` × `n` matrix `a` and overwrites it with L. Returns false when `a` is not
 * (numerically) positive definite, leaving it partly overwritten.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diagonal = a[rowJ + j];
    for (let k = 0; k < j; k++) diagonal -= a[rowJ + k] * a[rowJ + k];
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    a[rowJ + j] = pivot;

    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = sum / pivot;
    }
  }

  return true;
}

/** Solves L·Lᵀ x = b given the factor from `choleskyInPlace`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = x[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
    x[i] = sum / l[i * n + i];
  }

  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }

  return x;
}

/** 1 / (1 + e^(−z)) without overflow; exactly 0 or 1 only far in the tails. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);

  return e / (1 + e);
}

/** log(1 + e^z) without overflow or loss of precision for large |z|. */
export function logOnePlusExp(z: number): number {
  if (z > 0) return z + Math.log1p(Math.exp(-z));

  return Math.log1p(Math.exp(z));
}
