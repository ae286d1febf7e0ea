import { ColumnType } from './dataset-schema';
import {
  booleanPairOf,
  isIntegerText,
  isMissing,
  parseBoolean,
  parseIsoDate,
  parseNumber,
} from './value-parsing';

/** Distinct values tracked per column; beyond it counts are "at least", so memory stays flat. */
export const DISTINCT_CAP = 10_000;

/**
 * Least share of a column's values that must fit `numeric` or `date` for the column to get
 * that type. The few values that don't fit make their rows bad rather than the whole column
 * categorical.
 */
export const TYPE_FIT_SHARE = 0.99;

/** Unique text says "identifier" only over enough rows; in a handful of rows it says little. */
export const MIN_UNIQUE_TEXTS = 50;

/** Measurements (balances, amounts) rarely stay free of repeats over this many rows. */
export const MIN_UNIQUE_INTEGERS = 1000;

/** What the first pass over a file learns about one column. */
export interface ColumnStats {
  readonly name: string;
  /** Values present (not missing). */
  readonly values: number;
  readonly missing: number;
  /** Values that are numbers, and among those, integers. */
  readonly numeric: number;
  readonly integer: number;
  /** Values that are ISO 8601 dates. */
  readonly date: number;
  /** Count per trimmed text, for at most `DISTINCT_CAP` texts. */
  readonly distinct: ReadonlyMap<string, number>;
  /** Set when more texts occurred than `DISTINCT_CAP`. */
  readonly distinctCapped: boolean;
  /** Set when a tracked text occurred twice. */
  readonly repeated: boolean;
}

/** Accumulates `ColumnStats` one cell at a time. */
export class ColumnScan implements ColumnStats {
  values = 0;
  missing: number;
  numeric = 0;
  integer = 0;
  date = 0;
  readonly distinct = new Map<string, number>();
  distinctCapped = false;
  repeated = false;

  /** `missingBefore`: rows already read that lacked this column (JSON lines add keys late). */
  constructor(
    readonly name: string,
    missingBefore = 0,
  ) {
    this.missing = missingBefore;
  }

  add(raw: string | null): void {
    if (raw === null || isMissing(raw)) {
      this.missing++;

      return;
    }
    const text = raw.trim();
    this.values++;

    if (parseNumber(text) !== undefined) {
      this.numeric++;
      this.integer += isIntegerText(text) ? 1 : 0;
    } else if (parseIsoDate(text) !== undefined) {
      this.date++;
    }

    const seen = this.distinct.get(text);
    if (seen !== undefined) {
      this.distinct.set(text, seen + 1);
      this.repeated = true;
    } else if (this.distinct.size < DISTINCT_CAP) {
      this.distinct.set(text, 1);
    } else {
      this.distinctCapped = true;
    }
  }
}

/** `id`, `customer_id`, `Customer ID`, `customerId`, `uuid` … but not `paid`. */
export function looksLikeIdName(name: string): boolean {
  return /(^|[_\-\s.])(id|uuid|guid)$/i.test(name.trim()) || /[a-z0-9](Id|ID)$/.test(name.trim());
}

/**
 * The type a column most likely has, from what the first pass saw:
 * - `boolean` when every value is one of a pair (yes/no, true/false, 1/0, any case);
 * - `identifier` for integers or text unique per row (over enough rows to tell), and for a
 *   column named like an id whose values are unique;
 * - `date` / `numeric` when nearly all values are ISO dates / numbers;
 * - `categorical` otherwise, and for a column without any value.
 */
export function inferColumnType(stats: ColumnStats): ColumnType {
  if (stats.values === 0) {
    return 'categorical';
  }
  if (isBooleanColumn(stats)) {
    return 'boolean';
  }
  if (stats.date >= TYPE_FIT_SHARE * stats.values) {
    return 'date';
  }

  const idName = looksLikeIdName(stats.name);
  const allIntegers = stats.integer === stats.values;
  const uniqueIntegers = allIntegers && (idName || stats.values >= MIN_UNIQUE_INTEGERS);
  const uniqueTexts = stats.numeric === 0 && (idName || stats.values >= MIN_UNIQUE_TEXTS);
  if (!stats.repeated && (uniqueIntegers || uniqueTexts)) {
    return 'identifier';
  }
  if (stats.numeric >= TYPE_FIT_SHARE * stats.values) {
    return 'numeric';
  }

  return 'categorical';
}

function isBooleanColumn(stats: ColumnStats): boolean {
  if (stats.distinctCapped || stats.distinct.size === 0) {
    return false;
  }
  const pairs = new Set([...stats.distinct.keys()].map(booleanPairOf));

  return pairs.size === 1 && !pairs.has(-1);
}

/**
 * Whether a column's name reads like one of its own values — a number naming a numeric
 * column, say — which means the first line of the file is data, not a header.
 */
export function nameLooksLikeValue(name: string, type: ColumnType): boolean {
  const text = name.trim();
  switch (type) {
    case 'numeric':
      return parseNumber(text) !== undefined;
    case 'date':
      return parseIsoDate(text) !== undefined;
    case 'boolean':
      return parseBoolean(text) !== undefined;
    default:
      return false;
  }
}
