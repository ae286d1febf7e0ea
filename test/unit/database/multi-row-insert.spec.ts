import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { MultiRowInsert, SqlValue } from '../../../src/database/multi-row-insert';

/** One row of `t`: a literal where it reads back the same, else a bound value. */
function addRow(insert: MultiRowInsert, values: readonly SqlValue[]): void {
  insert.begin();
  insert.add(`(${values.map((v) => insert.value(v)).join(', ')})`);
}

describe('multi-row inserts', () => {
  let dataSource: DataSource;

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-insert-'));
    dataSource = new DataSource({ type: 'sqlite', database: path.join(dir, 'db.sqlite') });
    await dataSource.initialize();
    // What every Bullseye database has (TypeORM's record of migrations); a unit of work
    // starts with a write to it that changes nothing.
    await dataSource.query('CREATE TABLE migrations (id INTEGER PRIMARY KEY)');
    await dataSource.query('CREATE TABLE t (n INTEGER, x REAL, s TEXT, b BOOLEAN)');
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  it('writes plain values as literals and binds the rest, reading back what was given', async () => {
    const texts = ["it's", 'a\u0000b', 'déjà vu', 'x'.repeat(65), 'plain-word_1.2:3', ''];
    const insert = new MultiRowInsert('t', ['n', 'x', 's', 'b']);
    texts.forEach((text, i) => addRow(insert, [i - 2, 0.1 + i / 3, text, i % 2 === 0]));
    addRow(insert, [2 ** 53 + 2, Number.MAX_VALUE, null, undefined]);
    const [{ sql, params }] = insert.build();

    // Quotes, NUL, non-ASCII, long text, fractions and unsafe integers are bound; the rest
    // is SQL text.
    const x = (i: number) => 0.1 + i / 3;
    expect(params).toEqual([
      x(0),
      "it's",
      x(1),
      'a\u0000b',
      x(2),
      'déjà vu',
      x(3),
      'x'.repeat(65),
      x(4),
      x(5),
      2 ** 53 + 2,
      Number.MAX_VALUE,
    ]);
    expect(sql).toContain("'plain-word_1.2:3'");
    expect(sql).toContain('(-2, ?1, ?2, 1)');

    await insert.execute(dataSource.manager);
    const rows: { n: number; x: number; s: string | null; b: number | null }[] =
      await dataSource.query('SELECT n, x, s, b FROM t ORDER BY rowid');

    expect(rows).toEqual([
      ...texts.map((s, i) => ({ n: i - 2, x: 0.1 + i / 3, s, b: i % 2 === 0 ? 1 : 0 })),
      { n: 2 ** 53 + 2, x: Number.MAX_VALUE, s: null, b: null },
    ]);
  });

  it('binds a shared value once a statement, and starts a statement before 30,000', async () => {
    const insert = new MultiRowInsert('t', ['n', 'x', 's', 'b']);
    for (let i = 0; i < 12_000; i++) {
      insert.begin();
      insert.add(
        `(${insert.bind(i)}, ${insert.bind(i + 0.5)}, ${insert.bind(`s${i}`)}, ` +
          `${insert.fragment('constant', () => insert.shared(true))})`,
      );
    }
    const statements = insert.build();

    // Three bound a row, one shared a statement; a row may need a parameter a column, so the
    // first statement ends once fewer than four of the 30,000 are left.
    expect(statements.map((s) => s.params.length)).toEqual([3 * 9_999 + 1, 3 * 2_001 + 1]);
    expect(statements[1].params.slice(0, 4)).toEqual([9_999, 9_999.5, 's9999', 1]);
    expect(statements[1].sql).toContain('(?1, ?2, ?3, ?4), (?5, ?6, ?7, ?4)');

    await insert.execute(dataSource.manager);
    const [row] = await dataSource.query(
      'SELECT COUNT(*) AS n, SUM(n) AS total, COUNT(DISTINCT s) AS s, MIN(b) AS b FROM t',
    );
    expect(row).toEqual({ n: 12_000, total: (12_000 * 11_999) / 2, s: 12_000, b: 1 });
  });

  it('is built once: a row added afterwards is refused', () => {
    const insert = new MultiRowInsert('t', ['n', 'x', 's', 'b']);
    addRow(insert, [1, 2, 'three', false]);

    expect(insert.build()).toBe(insert.build());
    expect(() => insert.begin()).toThrow('built already');
    expect(new MultiRowInsert('t', ['n']).build()).toEqual([]);
  });
});
