import { FeatureMatrix } from '../../plugins/contract';
import { CellValue, CustomerAttributes } from '../datasets/dataset-schema';
import { readBoolean, readCategory, readDate, readNumeric } from './cells';
import { PreprocessingOptions } from './options';
import { SerializedColumn } from './serialization';
import { clip } from './steps';

/**
 * Applying fitted figures to columns of records. The stored figures are compiled once into
 * plans; a column is then read into a typed array and written into the row-major matrix, with
 * no allocation per cell. Fitting and scoring share this code, so they cannot drift apart.
 */

/** Slot of a missing category before imputation; of an unseen one (no indicator). */
export const MISSING_SLOT = -2;
const UNSEEN_SLOT = -1;

export type RawColumn = Float64Array | Int32Array;

interface NumericPlan {
  readonly kind: 'numeric';
  readonly name: string;
  readonly read: (cell: CellValue | undefined) => number;
  readonly fill: number;
  readonly clip: boolean;
  readonly lower: number;
  readonly upper: number;
  readonly center: number;
  readonly scale: number;
  /** Matrix column of the feature, or -1 when selection dropped it. */
  readonly output: number;
}

interface BooleanPlan {
  readonly kind: 'boolean';
  readonly name: string;
  readonly fill: number;
  readonly output: number;
}

interface CategoricalPlan {
  readonly kind: 'categorical';
  readonly name: string;
  /** Slot of each training category; folded ones share the `(other)` slot. */
  readonly slots: ReadonlyMap<string, number>;
  /** Where a missing value goes, or `UNSEEN_SLOT` for all zeros. */
  readonly missingSlot: number;
  /** Matrix column per slot, -1 when selection dropped it. */
  readonly outputs: Int32Array;
}

export type ColumnPlan = NumericPlan | BooleanPlan | CategoricalPlan;

/** Turns the stored figures into what the hot loops use; `outputs` maps candidate features. */
export function compilePlans(
  columns: readonly SerializedColumn[],
  options: PreprocessingOptions,
  outputs: Int32Array,
): ColumnPlan[] {
  let candidate = 0;

  return columns.map((column): ColumnPlan => {
    if (column.kind === 'numeric') {
      const plan: NumericPlan = {
        kind: 'numeric',
        name: column.name,
        read: column.type === 'date' ? readDate : readNumeric,
        fill: column.fill,
        clip: options.outliers !== 'keep',
        lower: column.outliers.lower,
        upper: column.outliers.upper,
        center: column.scaling?.mean ?? 0,
        scale: column.scaling?.std ?? 1,
        output: outputs[candidate++],
      };

      return plan;
    }
    if (column.kind === 'boolean') {
      return {
        kind: 'boolean',
        name: column.name,
        fill: column.fill,
        output: outputs[candidate++],
      };
    }

    const slots = new Map<string, number>();
    column.categories.forEach((category, slot) => slots.set(category, slot));
    const otherSlot = column.categories.length;
    for (const category of column.folded) slots.set(category, otherSlot);
    const width = column.categories.length + (column.otherLabel === null ? 0 : 1);
    const missingSlot =
      column.missingLabel !== null
        ? width
        : options.categoricalImpute === 'most_frequent' && column.categories.length > 0
          ? 0
          : UNSEEN_SLOT;
    const slotCount = width + (column.missingLabel === null ? 0 : 1);
    const columnOutputs = outputs.slice(candidate, candidate + slotCount);
    candidate += slotCount;

    return { kind: 'categorical', name: column.name, slots, missingSlot, outputs: columnOutputs };
  });
}

export function isUsed(plan: ColumnPlan): boolean {
  return plan.kind === 'categorical' ? plan.outputs.some((o) => o >= 0) : plan.output >= 0;
}

/** One column of the records as numbers (`NaN` = missing) or category slots. */
export function readColumn(plan: ColumnPlan, records: readonly CustomerAttributes[]): RawColumn {
  const { name } = plan;
  if (plan.kind === 'categorical') {
    const slots = new Int32Array(records.length);
    for (let r = 0; r < records.length; r++) {
      const category = readCategory(records[r][name]);
      slots[r] = category === null ? MISSING_SLOT : (plan.slots.get(category) ?? UNSEEN_SLOT);
    }

    return slots;
  }

  const read = plan.kind === 'numeric' ? plan.read : readBoolean;
  const values = new Float64Array(records.length);
  for (let r = 0; r < records.length; r++) values[r] = read(records[r][name]);

  return values;
}

/** Writes one column's features into a zero-filled row-major matrix. */
export function writeColumn(
  plan: ColumnPlan,
  raw: RawColumn,
  matrix: Float64Array,
  cols: number,
): void {
  const rows = raw.length;
  if (plan.kind === 'numeric') {
    const { fill, lower, upper, center, scale, output } = plan;
    for (let r = 0; r < rows; r++) {
      let x = raw[r];
      if (x !== x) x = fill;
      if (plan.clip) x = clip(x, lower, upper);
      matrix[r * cols + output] = (x - center) / scale;
    }

    return;
  }

  if (plan.kind === 'boolean') {
    for (let r = 0; r < rows; r++) {
      const x = raw[r];
      matrix[r * cols + plan.output] = x === x ? x : plan.fill;
    }

    return;
  }

  const { outputs, missingSlot } = plan;
  for (let r = 0; r < rows; r++) {
    const slot = raw[r] === MISSING_SLOT ? missingSlot : raw[r];
    if (slot < 0) continue;
    const output = outputs[slot];
    if (output >= 0) matrix[r * cols + output] = 1;
  }
}

export function encode(
  plans: readonly ColumnPlan[],
  raws: readonly (RawColumn | null)[],
  rows: number,
  cols: number,
): FeatureMatrix {
  const values = new Float64Array(rows * cols);
  plans.forEach((plan, index) => {
    const raw = raws[index];
    if (raw !== null) writeColumn(plan, raw, values, cols);
  });

  return { rows, cols, values };
}
