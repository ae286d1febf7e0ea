import { CellValue } from '../datasets/dataset-schema';

/**
 * Reading one cell as the number a feature needs. Each reader returns `NaN` for a missing
 * value — `null`, `undefined`, `NaN`, empty or blank text — and for a value of the wrong
 * type, so that the pipeline imputes it like any other gap.
 */

const BLANK = /^\s*$/;

const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const MS_PER_DAY = 86_400_000;

/**
 * A finite number as it is; decimal text such as `"42"` or `" -1.5e3 "` parsed, because
 * scoring requests often carry numbers as strings. Hexadecimal, `Infinity`, thousands
 * separators, booleans and non-finite numbers count as missing.
 */
export function readNumeric(cell: CellValue | undefined): number {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : NaN;
  if (typeof cell !== 'string') return NaN;
  const text = cell.trim();

  return NUMERIC_TEXT.test(text) ? Number(text) : NaN;
}

/**
 * `true`/`false` as 1/0; also the numbers 0 and 1 and the text `true`, `false`, `yes`,
 * `no`, `1`, `0` in any case, since that is how a boolean arrives from a form or a CSV.
 */
export function readBoolean(cell: CellValue | undefined): number {
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  if (typeof cell === 'number') return cell === 1 ? 1 : cell === 0 ? 0 : NaN;
  if (typeof cell !== 'string') return NaN;
  const text = cell.trim().toLowerCase();
  if (text === 'true' || text === 'yes' || text === '1') return 1;
  if (text === 'false' || text === 'no' || text === '0') return 0;

  return NaN;
}

/**
 * ISO 8601 text (`2024-03-01`, `2024-03-01T12:00:00Z`, `2024-03-01 12:00+02:00`) as days
 * since 1970-01-01 UTC, with the time of day as a fraction. A time without an offset is read
 * as UTC, so the result never depends on the server's time zone. Impossible dates
 * (`2023-02-30`) and anything that is not ISO text count as missing.
 */
export function readDate(cell: CellValue | undefined): number {
  if (typeof cell !== 'string') return NaN;
  const match = ISO_DATE.exec(cell.trim());
  if (match === null) return NaN;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  const hours = match[4] === undefined ? 0 : Number(match[4]);
  const minutes = match[5] === undefined ? 0 : Number(match[5]);
  const seconds = match[6] === undefined ? 0 : Number(match[6]) + Number(`0${match[7] ?? ''}`);
  if (hours > 23 || minutes > 59 || seconds >= 60) return NaN;
  const offset = offsetMinutes(match[8]);
  if (Number.isNaN(offset)) return NaN;
  const ms = ((hours * 60 + minutes - offset) * 60 + seconds) * 1000;

  return daysFromCivil(year, month, day) + ms / MS_PER_DAY;
}

/** Text as a category; anything else (numbers, booleans) or blank text is missing (`null`). */
export function readCategory(cell: CellValue | undefined): string | null {
  // A test rather than trim(): no copy of the text per cell.
  if (typeof cell !== 'string' || BLANK.test(cell)) return null;

  return cell;
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (negative before 1970). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Counting years from March puts the leap day last, so a 400-year era is regular.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;

  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

    return leap ? 29 : 28;
  }

  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function offsetMinutes(text: string | undefined): number {
  if (text === undefined || text === 'Z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return NaN;

  return sign * (hours * 60 + minutes);
}
