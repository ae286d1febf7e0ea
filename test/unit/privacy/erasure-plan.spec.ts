import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../../src/database/data-source';
import {
  customerHash,
  ERASURE_PLAN,
  idForms,
  pseudonymOf,
} from '../../../src/modules/privacy/erasure-plan';

describe('the erasure plan', () => {
  let db: DataSource;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-erasure-plan-'));
    db = await openDatabase({ databaseFile: path.join(dir, 'bullseye.sqlite') });
  });

  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function columnsOf(table: string): Promise<string[]> {
    const rows: { name: string }[] = await db.query('SELECT name FROM pragma_table_info(?)', [
      table,
    ]);

    return rows.map((row) => row.name);
  }

  it('says how erasure treats every table of the migrated schema, and no other', async () => {
    const tables: { name: string }[] = await db.query(
      `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
    );
    const planned = ERASURE_PLAN.map((entry) => entry.table);

    expect(tables.map((t) => t.name).filter((name) => !planned.includes(name))).toEqual([]);
    expect(planned.filter((name) => !tables.some((t) => t.name === name))).toEqual([]);
    expect(new Set(planned).size).toBe(planned.length);
  });

  it('names only columns that exist', async () => {
    const missing: string[] = [];
    for (const { table, treatments } of ERASURE_PLAN) {
      const columns = await columnsOf(table);
      for (const treatment of treatments) {
        const named =
          treatment.kind === 'text'
            ? treatment.columns
            : treatment.kind === 'pseudonymise'
              ? [treatment.column, ...treatment.cleared]
              : 'column' in treatment
                ? [treatment.column]
                : [];
        missing.push(...named.filter((c) => !columns.includes(c)).map((c) => `${table}.${c}`));
      }
    }

    expect(missing).toEqual([]);
  });

  it('deletes every table with a customer id column, or says why it keeps it', async () => {
    const withCustomer: string[] = [];
    for (const { table } of ERASURE_PLAN) {
      if ((await columnsOf(table)).includes('customer_id')) withCustomer.push(table);
    }
    const treatedByColumn = ERASURE_PLAN.filter((entry) =>
      entry.treatments.some((t) => 'column' in t && t.column === 'customer_id'),
    ).map((entry) => entry.table);

    expect(withCustomer.sort()).toEqual(treatedByColumn.sort());
  });

  it('hashes ids one way, and searches text for an id as is and as JSON escapes it', () => {
    expect(customerHash('c-42')).toMatch(/^[0-9a-f]{64}$/);
    expect(customerHash('c-42')).toBe(customerHash('c-42'));
    expect(customerHash('c-42')).not.toBe(customerHash('c-43'));
    expect(pseudonymOf('c-42')).toBe(`erased:${customerHash('c-42')}`);
    expect(idForms('ann@example.com')).toEqual(['ann@example.com']);
    expect(idForms('say "hi"')).toEqual(['say "hi"', 'say \\"hi\\"']);
    expect(idForms('7')).toEqual([]);
  });
});
