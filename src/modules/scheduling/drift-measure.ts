import type { CellValue, CustomerAttributes } from '../datasets/dataset-schema';
import { readBoolean, readCategory, readDate, readNumeric } from '../preprocessing/cells';
import type { InputColumn } from '../scoring/customer-input';
import type { FeatureReference } from './entities/drift-reference.entity';
import type { FeatureDrift } from './entities/drift-report.entity';
import { BinReference, BinTally, categoricalReference, numericReference } from './psi';

/**
 * Drift of a model version's inputs and scores: the version's training rows binned once
 * (the reference), then each scoring run's customers counted into the same bins. Numeric
 * and date columns are binned by quantiles, boolean and categorical ones by category.
 */

/** A cell as PSI bins it: a number for numeric and date columns, text (or null) otherwise. */
export function binValue(
  cell: CellValue | undefined,
  type: InputColumn['type'],
): number | string | null {
  switch (type) {
    case 'numeric':
      return readNumeric(cell);
    case 'date':
      return readDate(cell);
    case 'boolean': {
      const flag = readBoolean(cell);

      return Number.isNaN(flag) ? null : flag === 1 ? 'true' : 'false';
    }
    case 'categorical':
      return readCategory(cell);
  }
}

function isBinnedNumerically(type: InputColumn['type']): boolean {
  return type === 'numeric' || type === 'date';
}

/** The bins of each input column over the training rows. */
export function featureReferences(
  columns: readonly InputColumn[],
  records: readonly CustomerAttributes[],
): FeatureReference[] {
  return columns.map((column) => {
    const values = records.map((record) => binValue(record[column.name], column.type));

    return {
      name: column.name,
      type: column.type,
      bins: isBinnedNumerically(column.type)
        ? numericReference(values as number[])
        : categoricalReference(values as (string | null)[]),
    };
  });
}

export interface DriftFigures {
  readonly rows: number;
  readonly scorePsi: number;
  readonly features: FeatureDrift[];
  readonly maxFeaturePsi: number;
  readonly maxFeature: string | null;
  /** The largest of the score's and the features' PSI. */
  readonly drift: number;
}

/** Counts scored customers into a reference's bins, batch by batch. */
export class DriftTally {
  private readonly features: { reference: FeatureReference; tally: BinTally }[];
  private readonly scores: BinTally;

  constructor(features: readonly FeatureReference[], scores: BinReference) {
    this.features = features.map((reference) => ({
      reference,
      tally: new BinTally(reference.bins),
    }));
    this.scores = new BinTally(scores);
  }

  get rows(): number {
    return this.scores.rows;
  }

  add(records: readonly CustomerAttributes[], probabilities: Float64Array): void {
    for (const { reference, tally } of this.features) {
      for (const record of records) tally.add(binValue(record[reference.name], reference.type));
    }
    for (const p of probabilities) this.scores.add(p);
  }

  figures(): DriftFigures {
    const features = this.features.map(({ reference, tally }) => ({
      name: reference.name,
      type: reference.type,
      psi: tally.psi(),
    }));
    const top = features.reduce<FeatureDrift | null>(
      (a, b) => (a === null || b.psi > a.psi ? b : a),
      null,
    );
    const scorePsi = this.scores.psi();
    const maxFeaturePsi = top?.psi ?? 0;

    return {
      rows: this.rows,
      scorePsi,
      features,
      maxFeaturePsi,
      maxFeature: top?.name ?? null,
      drift: Math.max(scorePsi, maxFeaturePsi),
    };
  }
}
