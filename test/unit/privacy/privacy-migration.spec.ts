import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { Privacy1764800010000 } from '../../../migrations/1764800010000-privacy';

describe('the privacy migration', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-privacy-migration-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = async (migrations: typeof MIGRATIONS) => {
    const db = new DataSource({
      type: 'sqlite',
      database: path.join(dir, 'bullseye.sqlite'),
      migrations,
      migrationsTransactionMode: 'each',
    });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });

    return db;
  };

  it('flags the personal columns of datasets imported before, and drops their values', async () => {
    const before = await open(MIGRATIONS.filter((m) => m !== Privacy1764800010000));
    const schema = {
      columns: [
        { name: 'customer_id', type: 'identifier', role: 'id' },
        { name: 'first_name', type: 'categorical', role: 'feature' },
        { name: 'email_opens', type: 'numeric', role: 'feature' },
        { name: 'y', type: 'boolean', role: 'target' },
      ],
      target: 'y',
      idColumn: 'customer_id',
    };
    const profile = {
      rows: 2,
      badRows: 0,
      columns: [
        {
          name: 'first_name',
          type: 'categorical',
          role: 'feature',
          missing: 0,
          distinct: 1,
          distinctAtLeast: false,
          topCategories: [{ value: 'Ann', count: 2 }],
        },
        {
          name: 'email_opens',
          type: 'numeric',
          role: 'feature',
          missing: 0,
          distinct: 2,
          distinctAtLeast: false,
          min: 1,
          max: 4,
        },
      ],
    };
    await before.query(
      `INSERT INTO datasets (id, name, file_name, format, delimiter, row_count, bad_row_count,
         schema, profile, bad_rows, created_at)
       VALUES ('d1', 'old', 'old.csv', 'csv', ',', 2, 0, ?, ?, '[]', '2026-01-01T00:00:00Z')`,
      [JSON.stringify(schema), JSON.stringify(profile)],
    );
    await before.destroy();

    const after = await open(MIGRATIONS);
    const [row] = await after.query(`SELECT schema, profile FROM datasets WHERE id = 'd1'`);
    const columns: { name: string }[] = await after.query(
      `SELECT name FROM pragma_table_info('endpoints') WHERE name = 'include_personal'`,
    );
    await after.destroy();

    const migrated = JSON.parse(row.schema);
    expect(migrated.columns.map((c: { personal?: string }) => c.personal ?? null)).toEqual([
      null,
      'inferred',
      null,
      null,
    ]);
    expect(row.profile).not.toContain('Ann');
    expect(JSON.parse(row.profile).columns[1]).toMatchObject({ min: 1, max: 4 });
    expect(JSON.parse(row.profile).notes[0]).toContain('first_name');
    expect(columns).toHaveLength(1);
  });
});
