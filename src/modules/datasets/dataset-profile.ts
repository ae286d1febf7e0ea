import {
  CategoryCount,
  CellValue,
  ClassShare,
  ColumnProfile,
  ColumnSchema,
  DatasetProfile,
  DatasetSchema,
} from './dataset-schema';
import { inferredNote } from '../privacy/personal-columns';
import { DISTINCT_CAP } from './type-inference';

/** How many of a column's most frequent values a profile lists. */
export const TOP_CATEGORIES = 10;

class ColumnSummary {
  missing = 0;
  readonly counts = new Map<string, number>();
  capped = false;
  // Welford's running mean and sum of squared deviations, stable over many rows.
  n = 0;
  mean = 0;
  m2 = 0;
  min: number | string | null = null;
  max: number | string | null = null;

  constructor(readonly column: ColumnSchema) {}

  add(value: CellValue): void {
    if (value === null) {
      this.missing++;

      return;
    }
    this.count(String(value));

    if (typeof value === 'number') {
      this.n++;
      const delta = value - this.mean;
      this.mean += delta / this.n;
      this.m2 += delta * (value - this.mean);
    }
    if (typeof value === 'number' || this.column.type === 'date') {
      if (this.min === null || value < this.min) {
        this.min = value as number | string;
      }
      if (this.max === null || value > this.max) {
        this.max = value as number | string;
      }
    }
  }

  private count(key: string): void {
    const seen = this.counts.get(key);
    if (seen !== undefined) {
      this.counts.set(key, seen + 1);
    } else if (this.counts.size < DISTINCT_CAP) {
      this.counts.set(key, 1);
    } else {
      this.capped = true;
    }
  }

  build(): ColumnProfile {
    const { name, type, role, personal } = this.column;
    const base = {
      name,
      type,
      role,
      ...(personal === undefined ? {} : { personal }),
      missing: this.missing,
      distinct: this.counts.size,
      distinctAtLeast: this.capped,
    };
    // A profile is shown and stored freely: it carries no value of a personal column.
    if (personal !== undefined) {
      return base;
    }
    switch (type) {
      case 'numeric':
        return {
          ...base,
          min: this.min,
          max: this.max,
          mean: this.n > 0 ? this.mean : null,
          std: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : null,
        };
      case 'date':
        return { ...base, min: this.min, max: this.max };
      case 'categorical':
      case 'boolean':
        return { ...base, topCategories: topOf(this.counts, TOP_CATEGORIES) };
      case 'identifier':
        return base;
    }
  }
}

/**
 * Builds a dataset's profile from its parsed rows, one at a time. Distinct values are
 * counted up to `DISTINCT_CAP` per column; past it the distinct count is a lower bound and
 * values first seen after the cap are missing from the top categories.
 */
export class ProfileBuilder {
  private readonly columns: ColumnSummary[];
  private readonly classes = new Map<string, number>();
  private rows = 0;

  constructor(private readonly schema: DatasetSchema) {
    this.columns = schema.columns.map((column) => new ColumnSummary(column));
  }

  /** `targetClass`: the row's target as `classKey` spells it, null when it has none. */
  add(values: readonly CellValue[], targetClass: string | null): void {
    this.rows++;
    for (let i = 0; i < this.columns.length; i++) {
      this.columns[i].add(values[i]);
    }
    if (targetClass !== null) {
      this.classes.set(targetClass, (this.classes.get(targetClass) ?? 0) + 1);
    }
  }

  /** Counts of the target's classes among the rows added so far. */
  targetClasses(): ReadonlyMap<string, number> {
    return this.classes;
  }

  build(badRows: number): DatasetProfile {
    const note = inferredNote(this.schema.columns);
    const profile: DatasetProfile = {
      rows: this.rows,
      badRows,
      columns: this.columns.map((summary) => summary.build()),
      ...(note === undefined ? {} : { notes: [note] }),
    };
    if (this.schema.target === undefined) {
      return profile;
    }

    return { ...profile, classBalance: classBalance(this.classes, this.schema.positiveLabel) };
  }
}

export function classBalance(
  classes: ReadonlyMap<string, number>,
  positiveLabel: string | undefined,
): ClassShare[] {
  const total = [...classes.values()].reduce((sum, count) => sum + count, 0);

  return topOf(classes, classes.size).map(({ value, count }) => ({
    label: value,
    count,
    share: total > 0 ? count / total : 0,
    positive: value === positiveLabel,
  }));
}

/** The `limit` most frequent values, ties in text order so that profiles repeat exactly. */
function topOf(counts: ReadonlyMap<string, number>, limit: number): CategoryCount[] {
  return [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}
