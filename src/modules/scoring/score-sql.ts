/**
 * The statements that store a batch of scores. A multi-row upsert keeps one current score
 * per customer and model, stamped with the model version and run that produced it.
 */

/** One customer's score as it goes into the `scores` table. */
export interface ScoreRow {
  readonly customerId: string;
  readonly probability: number;
  readonly decile: number;
}

/** What every row of one batch shares. */
export interface ScoreStamp {
  readonly modelName: string;
  readonly modelVersionId: string;
  readonly modelVersion: number;
  readonly scoringRunId: string;
  /** ISO 8601 time of the batch. */
  readonly scoredAt: string;
}

export interface Statement {
  readonly sql: string;
  readonly params: unknown[];
}

const COLUMNS = [
  'model_name',
  'customer_id',
  'model_version_id',
  'model_version',
  'probability',
  'decile',
  'scored_at',
  'scoring_run_id',
] as const;

/**
 * Rows per statement: 8 parameters a row keeps 1,000 rows at 8,000 parameters, far below
 * SQLite's limit of 32,766 variables.
 */
export const ROWS_PER_STATEMENT = 1000;

const ROW_PLACEHOLDER = `(${COLUMNS.map(() => '?').join(', ')})`;

const UPDATES = COLUMNS.filter((c) => c !== 'model_name' && c !== 'customer_id')
  .map((c) => `"${c}" = excluded."${c}"`)
  .join(', ');

/** The upserts that store `rows`, at most `rowsPerStatement` rows each, in order. */
export function upsertScores(
  stamp: ScoreStamp,
  rows: readonly ScoreRow[],
  rowsPerStatement = ROWS_PER_STATEMENT,
): Statement[] {
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    const params: unknown[] = [];
    for (const row of chunk) {
      params.push(
        stamp.modelName,
        row.customerId,
        stamp.modelVersionId,
        stamp.modelVersion,
        row.probability,
        row.decile,
        stamp.scoredAt,
        stamp.scoringRunId,
      );
    }
    const sql =
      `INSERT INTO "scores" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ` +
      `${chunk.map(() => ROW_PLACEHOLDER).join(', ')} ` +
      `ON CONFLICT ("model_name", "customer_id") DO UPDATE SET ${UPDATES}`;
    statements.push({ sql, params });
  }

  return statements;
}
