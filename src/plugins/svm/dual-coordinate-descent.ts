/**
 * Dual coordinate descent for the soft-margin linear SVM with the hinge loss (Hsieh, Chang,
 * Lin, Keerthi & Sundararajan 2008, the L1-loss case).
 *
 * The primal min ½‖w‖² + Σᵢ Uᵢ·max(0, 1 − yᵢ w·xᵢ) has the dual
 * min f(α) = ½ αᵀQα − Σᵢ αᵢ subject to 0 ≤ αᵢ ≤ Uᵢ, with Qᵢⱼ = yᵢyⱼ xᵢ·xⱼ and w = Σᵢ αᵢyᵢxᵢ.
 * Each step minimises f exactly in one αᵢ, keeping w up to date, so a step costs nnz(xᵢ).
 * Rows are visited in a fresh random order every epoch. Rows whose αᵢ sits at a bound and
 * whose gradient says it will stay there are set aside (shrinking) and brought back for a
 * final check over all rows. Training stops when the spread of the projected gradient,
 * max PG − min PG, is at most the tolerance over all rows.
 */
import { CancelledError } from '../../common/errors';
import { Random } from '../../common/random';
import { yieldToEventLoop } from '../contract';
import { rowAddScaled, rowDot, RowMatrix, rowSquaredNorm } from '../linear-algebra';

export interface HingeDualOptions {
  readonly maxEpochs: number;
  /** Stop once max PG − min PG over all rows is at most this. */
  readonly tolerance: number;
  /** Draws the order of the rows in each epoch. */
  readonly random: Random;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (state: HingeDualEpoch) => void;
}

export interface HingeDualEpoch {
  readonly epoch: number;
  /** max PG − min PG over the rows visited in this epoch. */
  readonly gap: number;
  /** f(α) = ½‖w‖² − Σᵢ αᵢ, the dual objective being minimised. */
  readonly dualObjective: number;
}

export interface HingeDualSolution {
  /** w = Σᵢ αᵢyᵢxᵢ, one entry per column of the rows. */
  readonly weights: Float64Array;
  readonly alpha: Float64Array;
  readonly epochs: number;
  readonly converged: boolean;
  /** max PG − min PG over all rows at the end. */
  readonly gap: number;
  readonly dualObjective: number;
}

/**
 * Solves the dual for rows `x`, labels 0/1 (mapped to −1/+1) and upper bounds `upper`
 * (C times the row's weight; a row with bound 0 does not take part).
 */
export async function solveHingeDual(
  x: RowMatrix,
  labels: Uint8Array,
  upper: Float64Array,
  options: HingeDualOptions,
): Promise<HingeDualSolution> {
  const { maxEpochs, tolerance, random, signal, onEpoch } = options;
  const n = x.rows;
  const w = new Float64Array(x.cols);
  const alpha = new Float64Array(n);
  const diagonal = new Float64Array(n);
  const order = new Int32Array(n);
  const sign = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sign[i] = labels[i] === 1 ? 1 : -1;
    diagonal[i] = rowSquaredNorm(x, i);
    if (upper[i] > 0) order[total++] = i;
  }

  let active = total;
  let alphaSum = 0;
  let shrinkAbove = Infinity;
  let shrinkBelow = -Infinity;
  let epoch = 0;
  let converged = false;
  let gap = Infinity;
  while (epoch < maxEpochs) {
    if (signal?.aborted) throw new CancelledError('Training of the SVM was cancelled.');

    random.shuffle(order.subarray(0, active));
    let highest = -Infinity;
    let lowest = Infinity;
    for (let s = 0; s < active; s++) {
      const i = order[s];
      const y = sign[i];
      const g = y * rowDot(x, i, w) - 1;
      const a = alpha[i];
      const u = upper[i];

      let projected = 0;
      if (a === 0) {
        if (g > shrinkAbove) {
          active--;
          order[s] = order[active];
          order[active] = i;
          s--;
          continue;
        }
        if (g < 0) projected = g;
      } else if (a === u) {
        if (g < shrinkBelow) {
          active--;
          order[s] = order[active];
          order[active] = i;
          s--;
          continue;
        }
        if (g > 0) projected = g;
      } else {
        projected = g;
      }

      if (projected > highest) highest = projected;
      if (projected < lowest) lowest = projected;
      if (Math.abs(projected) <= 1e-12) continue;

      // With xᵢ = 0 the dual is linear in αᵢ with slope −1: its minimum is at the bound.
      const next = diagonal[i] > 0 ? Math.min(Math.max(a - g / diagonal[i], 0), u) : u;
      alpha[i] = next;
      alphaSum += next - a;
      rowAddScaled(x, i, (next - a) * y, w);
    }

    epoch++;
    gap = active > 0 ? highest - lowest : 0;
    onEpoch?.({ epoch, gap, dualObjective: dualObjective(w, alphaSum) });

    if (gap <= tolerance) {
      if (active === total) {
        converged = true;
        break;
      }
      active = total;
      shrinkAbove = Infinity;
      shrinkBelow = -Infinity;
    } else {
      shrinkAbove = highest > 0 ? highest : Infinity;
      shrinkBelow = lowest < 0 ? lowest : -Infinity;
    }
    await yieldToEventLoop();
  }

  if (!converged) gap = fullGap(x, labels, upper, w, alpha);

  return {
    weights: w,
    alpha,
    epochs: epoch,
    converged,
    gap,
    dualObjective: dualObjective(w, alphaSum),
  };
}

function dualObjective(w: Float64Array, alphaSum: number): number {
  let squared = 0;
  for (let j = 0; j < w.length; j++) squared += w[j] * w[j];

  return 0.5 * squared - alphaSum;
}

/** max PG − min PG over every row that takes part. */
function fullGap(
  x: RowMatrix,
  labels: Uint8Array,
  upper: Float64Array,
  w: Float64Array,
  alpha: Float64Array,
): number {
  let highest = -Infinity;
  let lowest = Infinity;
  for (let i = 0; i < x.rows; i++) {
    if (!(upper[i] > 0)) continue;
    const g = (labels[i] === 1 ? 1 : -1) * rowDot(x, i, w) - 1;
    let projected = g;
    if (alpha[i] === 0) projected = Math.min(g, 0);
    else if (alpha[i] === upper[i]) projected = Math.max(g, 0);
    highest = Math.max(highest, projected);
    lowest = Math.min(lowest, projected);
  }

  return highest >= lowest ? highest - lowest : 0;
}
