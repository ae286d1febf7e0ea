import { AsyncLocalStorage } from 'node:async_hooks';
import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';

/**
 * TypeORM's SQLite driver gives a data source one connection, shared by every query. Two
 * transactions started at the same time would nest on that connection (one's rollback
 * undoing the other's work), and a lone write issued while another module's transaction is
 * open would commit or roll back with it. So every write in Bullseye goes through
 * `inTransaction`, which runs one unit of work at a time per data source. A unit of work
 * started inside another (on the same async path) joins it instead of waiting for itself.
 */
const mutexes = new WeakMap<DataSource, Mutex>();

/**
 * The first statement of every unit of work: a write that changes nothing, so the
 * transaction holds SQLite's write lock before it reads. Begun as a plain (deferred)
 * transaction that reads first, it could not write once another process (the CLI, a second
 * server) had committed meanwhile: SQLite answers SQLITE_BUSY for a stale snapshot however
 * long one waits, and TypeORM's driver retries that forever. Taken first, the lock is waited
 * for (`busyTimeout`) and the reads see everything committed before it.
 */
const TAKE_WRITE_LOCK = 'UPDATE "migrations" SET "id" = "id" WHERE 0';
const current = new AsyncLocalStorage<{ dataSource: DataSource; manager: EntityManager }>();

export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const active = current.getStore();
  if (active?.dataSource === dataSource) {
    return work(active.manager);
  }
  let mutex = mutexes.get(dataSource);
  if (!mutex) {
    mutex = new Mutex();
    mutexes.set(dataSource, mutex);
  }

  return mutex.runExclusive(() =>
    dataSource.transaction(async (manager) => {
      await manager.query(TAKE_WRITE_LOCK);

      return current.run({ dataSource, manager }, () => work(manager));
    }),
  );
}
