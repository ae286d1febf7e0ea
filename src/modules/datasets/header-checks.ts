import { UserError } from '../../common/errors';
import { ColumnStats, inferColumnType, nameLooksLikeValue } from './type-inference';

/**
 * Checks that fail an import before anything is written: an empty or binary file, a header
 * that is missing or names a column twice, and a header without data rows.
 */
export function checkHeader(args: {
  format: 'csv' | 'jsonl';
  fileName: string;
  columns: readonly string[];
  rows: number;
  stats: readonly ColumnStats[];
}): void {
  const { format, fileName, columns, rows, stats } = args;
  if (columns.length === 0) {
    throw new UserError('dataset_empty', `The file "${fileName}" holds no data.`, 422);
  }
  if (format === 'csv') {
    checkCsvHeader(fileName, columns, stats);
  }
  if (rows === 0) {
    throw new UserError(
      'dataset_no_rows',
      `The file "${fileName}" has a header but no data rows below it.`,
      422,
    );
  }

  const duplicates = duplicateNames(columns);
  if (duplicates.length > 0) {
    throw new UserError(
      'dataset_duplicate_columns',
      `The header names ${duplicates.map((d) => `"${d.name}"`).join(', ')} more than once; ` +
        'give every column its own name.',
      422,
      duplicates.map((d) => ({
        line: 1,
        field: d.name,
        message: `columns ${d.positions.join(' and ')} share this name`,
      })),
    );
  }
}

/**
 * A file with a NUL byte in its first bytes is not UTF-8 text but an image, a spreadsheet
 * or text saved as UTF-16; read as CSV it would import as columns of noise.
 */
export function checkText(fileName: string, head: string): void {
  const nul = head.indexOf('\u0000');
  if (nul === -1) {
    return;
  }
  const line = head.slice(0, nul).split('\n').length;

  throw new UserError(
    'dataset_not_text',
    `The file "${fileName}" holds a NUL byte on line ${line}, so it is not UTF-8 text (an ` +
      'image or a spreadsheet, or text saved as UTF-16); save it as CSV or JSON lines in UTF-8.',
    422,
    [{ line, message: 'NUL byte' }],
  );
}

function checkCsvHeader(
  fileName: string,
  columns: readonly string[],
  stats: readonly ColumnStats[],
): void {
  const unnamed = columns.flatMap((name, i) => (name === '' ? [i + 1] : []));
  if (unnamed.length === columns.length) {
    throw noHeader(fileName, 'it has no column names');
  }
  if (unnamed.length > 0) {
    throw new UserError(
      'dataset_column_unnamed',
      `Column ${unnamed.join(', ')} of the header (first line) of "${fileName}" has no name; ` +
        'name every column.',
      422,
      unnamed.map((column) => ({ line: 1, column, message: 'no name' })),
    );
  }

  const allNumbers = columns.every((name) => nameLooksLikeValue(name, 'numeric'));
  const typed = stats.map((s) => ({ name: s.name, type: inferColumnType(s) }));
  const valueTyped = typed.filter((c) => ['numeric', 'date', 'boolean'].includes(c.type));
  const valueNamed = valueTyped.filter((c) => nameLooksLikeValue(c.name, c.type));
  if (allNumbers || (valueNamed.length > 0 && valueNamed.length * 2 >= valueTyped.length)) {
    const examples = (allNumbers ? columns : valueNamed.map((c) => c.name)).slice(0, 3);
    throw noHeader(
      fileName,
      `columns named ${examples.map((n) => JSON.stringify(n)).join(', ')} read like values`,
    );
  }
}

function noHeader(fileName: string, why: string): UserError {
  return new UserError(
    'dataset_no_header',
    `The first line of "${fileName}" is not a header (${why}); add a first line naming the columns.`,
    422,
    [{ line: 1, message: why }],
  );
}

function duplicateNames(columns: readonly string[]): { name: string; positions: number[] }[] {
  const positions = new Map<string, number[]>();
  columns.forEach((name, i) => positions.set(name, [...(positions.get(name) ?? []), i + 1]));

  return [...positions]
    .filter(([, at]) => at.length > 1)
    .map(([name, at]) => ({ name, positions: at }));
}
