/**
 * Multi-row statements. SQLite binds at most 32,766 parameters per statement; staying under
 * 30,000 leaves room for the few that are not per row.
 */
const MAX_PARAMETERS = 30_000;

/** Splits `rows` into chunks that fit one statement of `perRow` parameters a row. */
export function chunkRows<T>(rows: readonly T[], perRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / perRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) {
    chunks.push(rows.slice(start, start + size));
  }

  return chunks;
}

/** `(?, ?, ?), (?, ?, ?)` for `rows` rows of `perRow` placeholders. */
export function placeholders(rows: number, perRow: number): string {
  const row = `(${new Array(perRow).fill('?').join(', ')})`;

  return new Array(rows).fill(row).join(', ');
}
