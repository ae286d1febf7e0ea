import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../../src/database/unit-of-work';

/**
 * Inserts 'first' in a unit of work that leaves a timer behind; once it has committed, the
 * timer's unit of work inserts 'later' and fails. Joining the finished transaction, that
 * insert would stand alone and outlive the failure.
 */
async function workLeftByFinishedUnit(
  dataSource: DataSource,
): Promise<{ later: Promise<unknown> }> {
  let later!: Promise<unknown>;
  await inTransaction(dataSource, async (manager) => {
    await manager.query("INSERT INTO items (owner) VALUES ('first')");
    later = new Promise((resolve) => setTimeout(resolve, 10)).then(() =>
      inTransaction(dataSource, async (next) => {
        await next.query("INSERT INTO items (owner) VALUES ('later')");
        throw new Error('rolled back on purpose');
      }),
    );
  });

  return { later };
}

describe('inTransaction', () => {
  let dataSource: DataSource;

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-uow-'));
    dataSource = new DataSource({ type: 'sqlite', database: path.join(dir, 'db.sqlite') });
    await dataSource.initialize();
    // What every Bullseye database has (TypeORM's record of migrations); a unit of work
    // starts with a write to it that changes nothing.
    await dataSource.query('CREATE TABLE migrations (id INTEGER PRIMARY KEY)');
    await dataSource.query('CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT NOT NULL)');
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  it('keeps a concurrent unit of work out of a transaction that rolls back', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const failing = inTransaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO items (owner) VALUES ('failing')");
      await gate;
      throw new Error('rolled back on purpose');
    });
    const other = inTransaction(dataSource, (manager) =>
      manager.query("INSERT INTO items (owner) VALUES ('other')"),
    );
    release();

    await expect(failing).rejects.toThrow('rolled back on purpose');
    await other;
    const rows = await dataSource.query('SELECT owner FROM items ORDER BY id');

    expect(rows).toEqual([{ owner: 'other' }]);
  });

  it('lets a nested unit of work join the one it runs in', async () => {
    await inTransaction(dataSource, async (outer) => {
      await outer.query("INSERT INTO items (owner) VALUES ('outer')");
      await inTransaction(dataSource, (inner) =>
        inner.query("INSERT INTO items (owner) VALUES ('inner')"),
      );
    });
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM items');

    expect(n).toBe(2);
  });

  it('gives work scheduled inside a finished unit of work a transaction of its own', async () => {
    const { later } = await workLeftByFinishedUnit(dataSource);

    await expect(later).rejects.toThrow('rolled back on purpose');
    const rows = await dataSource.query('SELECT owner FROM items ORDER BY id');

    expect(rows).toEqual([{ owner: 'first' }]);
  });

  it('keeps such work out of the finished unit while another data source has one open', async () => {
    // A unit of work open elsewhere keeps the async context enabled meanwhile.
    const other = new DataSource({ type: 'sqlite', database: ':memory:' });
    await other.initialize();
    await other.query('CREATE TABLE migrations (id INTEGER PRIMARY KEY)');
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const elsewhere = inTransaction(other, () => held);
    try {
      const { later } = await workLeftByFinishedUnit(dataSource);

      await expect(later).rejects.toThrow('rolled back on purpose');
      const rows = await dataSource.query('SELECT owner FROM items ORDER BY id');

      expect(rows).toEqual([{ owner: 'first' }]);
    } finally {
      finish();
      await elsewhere;
      await other.destroy();
    }
  });

  it('reads then writes while another process commits, without waiting forever', async () => {
    // A second data source on the same file stands for another process (the CLI, say).
    const other = new DataSource({
      type: 'sqlite',
      database: dataSource.options.database as string,
      busyErrorRetry: 50,
      busyTimeout: 10_000,
    });
    await other.initialize();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let read = (): void => undefined;
      const hasRead = new Promise<void>((resolve) => (read = resolve));
      const first = inTransaction(dataSource, async (manager) => {
        const [{ n }] = await manager.query('SELECT COUNT(*) AS n FROM items');
        read();
        await gate;
        await manager.query('INSERT INTO items (owner) VALUES (?)', [`first saw ${n}`]);
      });
      await hasRead;
      // Without the lock taken first, this commits at once and the first unit of work can
      // never write again: SQLITE_BUSY on a stale snapshot, which the app's driver setting
      // (busyErrorRetry) retries without end.
      const second = inTransaction(other, (manager) =>
        manager.query("INSERT INTO items (owner) VALUES ('second')"),
      );
      setTimeout(release, 200);
      await Promise.all([first, second]);
      const rows = await dataSource.query('SELECT owner FROM items ORDER BY id');

      expect(rows).toEqual([{ owner: 'first saw 0' }, { owner: 'second' }]);
    } finally {
      await other.destroy();
    }
  }, 30_000);
});
