import { DataSource } from 'typeorm';
import { openDatabase } from '../../../src/database/data-source';
import { ScoreStamp, upsertScores } from '../../../src/modules/scoring/score-sql';

const stamp = (run: string, version: number): ScoreStamp => ({
  modelName: 'bank',
  modelVersionId: `v${version}`,
  modelVersion: version,
  scoringRunId: run,
  scoredAt: '2026-12-03T10:00:00.000Z',
});

describe('upsertScores', () => {
  it('writes at most the given rows per statement, eight parameters a row', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      customerId: `c${i}`,
      probability: 0.5,
      decile: 5,
    }));

    const statements = upsertScores(stamp('r1', 1), rows, 1000);

    expect(statements.map((s) => s.params.length)).toEqual([8000, 8000, 4000]);
    expect(statements[2].params.slice(0, 8)).toEqual([
      'bank',
      'c2000',
      'v1',
      1,
      0.5,
      5,
      '2026-12-03T10:00:00.000Z',
      'r1',
    ]);
    expect(upsertScores(stamp('r1', 1), [])).toEqual([]);
  });

  describe('against the migrated schema', () => {
    let db: DataSource;

    beforeAll(async () => {
      db = await openDatabase({ databaseFile: ':memory:' });
      const now = new Date().toISOString();
      await db.query(`INSERT INTO models (name, created_at) VALUES ('bank', ?)`, [now]);
      for (const version of [1, 2]) {
        await db.query(
          `INSERT INTO model_versions (id, model_name, version, plugin_id, plugin_version, params,
             preprocessing, calibration, threshold, metrics, dataset_id, artifact, status,
             created_at, feature_names)
           VALUES (?, 'bank', ?, 'logistic', '1', '{}', '{}', '{}', 0.5, '{}', 'd', '{}',
             'candidate', ?, '[]')`,
          [`v${version}`, version, now],
        );
      }
      for (const run of ['r1', 'r2']) {
        await db.query(
          `INSERT INTO scoring_runs (id, model_name, model_version, model_version_id, status,
             batch_size, started_at) VALUES (?, 'bank', 1, 'v1', 'running', 10, ?)`,
          [run, now],
        );
      }
      for (const id of ['a', 'b', 'c']) {
        await db.query(
          `INSERT INTO customers (id, attributes, created_at, updated_at) VALUES (?, '{}', ?, ?)`,
          [id, now, now],
        );
      }
    });

    afterAll(async () => {
      await db.destroy();
    });

    it('keeps one current score per customer and model, replacing the older one', async () => {
      const first = upsertScores(stamp('r1', 1), [
        { customerId: 'a', probability: 0.1, decile: 9 },
        { customerId: 'b', probability: 0.2, decile: 8 },
      ]);
      const second = upsertScores(
        stamp('r2', 2),
        [
          { customerId: 'b', probability: 0.7, decile: 2 },
          { customerId: 'c', probability: 0.3, decile: 6 },
        ],
        1,
      );
      for (const statement of [...first, ...second]) {
        await db.query(statement.sql, statement.params);
      }

      const rows = await db.query(
        `SELECT customer_id, model_version, probability, decile, scoring_run_id FROM scores
         ORDER BY customer_id`,
      );

      expect(rows).toEqual([
        { customer_id: 'a', model_version: 1, probability: 0.1, decile: 9, scoring_run_id: 'r1' },
        { customer_id: 'b', model_version: 2, probability: 0.7, decile: 2, scoring_run_id: 'r2' },
        { customer_id: 'c', model_version: 2, probability: 0.3, decile: 6, scoring_run_id: 'r2' },
      ]);
    });

    it('is refused for a customer that does not exist or a decile outside 1 to 10', async () => {
      const [unknown] = upsertScores(stamp('r1', 1), [
        { customerId: 'nobody', probability: 0.5, decile: 5 },
      ]);
      const [outside] = upsertScores(stamp('r1', 1), [
        { customerId: 'a', probability: 0.5, decile: 11 },
      ]);

      await expect(db.query(unknown.sql, unknown.params)).rejects.toThrow(/FOREIGN KEY/);
      await expect(db.query(outside.sql, outside.params)).rejects.toThrow(/CHECK/);
    });
  });
});
