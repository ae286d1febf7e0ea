import { CellValue, ColumnType } from './dataset-schema';

/**
 * Turning the text of a cell into a value of its column's type. A cell is `null` when the
 * input had no value at all (a JSON `null` or an absent key); text is trimmed first.
 */

/** Texts that mean "no value" in exported files, compared without case. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'null', 'nan']);

const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_PATTERN = /^[+-]?\d+$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The pairs of texts a boolean column may hold, true first. */
export const BOOLEAN_PAIRS: readonly (readonly [string, string])[] = [
  ['yes', 'no'],
  ['true', 'false'],
  ['1', '0'],
];

export function isMissing(raw: string | null): boolean {
  return raw === null || MISSING_TOKENS.has(raw.trim().toLowerCase());
}

/** A plain decimal number (no hex, no thousands separators, no `Infinity`), or undefined. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER_PATTERN.test(text)) {
    return undefined;
  }
  const value = Number(text);

  return Number.isFinite(value) ? value : undefined;
}

export function isIntegerText(text: string): boolean {
  return INTEGER_PATTERN.test(text);
}

/** Index in `BOOLEAN_PAIRS` of the pair that holds `text` (any case), or -1. */
export function booleanPairOf(text: string): number {
  const lower = text.toLowerCase();

  return BOOLEAN_PAIRS.findIndex(([yes, no]) => lower === yes || lower === no);
}

export function parseBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  const pair = BOOLEAN_PAIRS.find(([yes, no]) => lower === yes || lower === no);

  return pair ? lower === pair[0] : undefined;
}

/**
 * An ISO 8601 date (`2024-03-01`) stays as it is; a date with a time becomes the UTC
 * instant (`2024-03-01T10:00:00.000Z`), read as UTC when it names no zone so that an
 * import gives the same values on every machine. Impossible dates such as `2023-02-30`
 * are refused.
 */
export function parseIsoDate(text: string): string | undefined {
  if (DATE_PATTERN.test(text)) {
    return isCalendarDate(text) ? text : undefined;
  }
  const match = DATE_TIME_PATTERN.exec(text);
  if (!match || !isCalendarDate(text.slice(0, 10))) {
    return undefined;
  }
  const [hours, minutes, seconds] = [match[4], match[5], match[7] ?? '0'].map(Number);
  const zone = match[9] === undefined ? 'Z' : match[9].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const instant = new Date(
    `${text.slice(0, 10)}T${text.slice(11, text.length - (match[9]?.length ?? 0))}${zone}`,
  );
  if (hours > 23 || minutes > 59 || seconds > 59 || Number.isNaN(instant.getTime())) {
    return undefined;
  }

  return instant.toISOString();
}

function isCalendarDate(yearMonthDay: string): boolean {
  const [year, month, day] = yearMonthDay.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));

  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

export type ParsedCell = { ok: true; value: CellValue } | { ok: false; message: string };

export const TYPE_WORDS: Record<ColumnType, string> = {
  numeric: 'a number',
  categorical: 'a category',
  boolean: 'a boolean (yes/no, true/false or 1/0)',
  date: 'an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
  identifier: 'an identifier',
};

/** Parses one cell as a value of `type`; missing values become `null` for every type. */
export function parseCell(raw: string | null, type: ColumnType): ParsedCell {
  if (raw === null || isMissing(raw)) {
    return { ok: true, value: null };
  }
  const text = raw.trim();
  const value = convert(text, type);
  if (value === undefined) {
    return { ok: false, message: `${quote(text)} is not ${TYPE_WORDS[type]}` };
  }

  return { ok: true, value };
}

function convert(text: string, type: ColumnType): CellValue | undefined {
  switch (type) {
    case 'numeric':
      return parseNumber(text);
    case 'boolean':
      return parseBoolean(text);
    case 'date':
      return parseIsoDate(text);
    case 'categorical':
    case 'identifier':
      return text;
  }
}

/**
 * The text that stands for a target value when counting classes and matching the positive
 * label: booleans lower-cased, numbers in canonical form (`1.0` is `1`), other text as is.
 */
export function classKey(raw: string, type: ColumnType): string {
  const text = raw.trim();
  if (type === 'boolean') {
    return text.toLowerCase();
  }
  if (type === 'numeric') {
    const value = parseNumber(text);

    return value === undefined ? text : String(value);
  }

  return text;
}

/** Quotes a value for a message, cut to a readable length. */
export function quote(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;

  return JSON.stringify(cut);
}
