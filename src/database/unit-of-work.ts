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

/** The unit of work an async path runs in; `open` until it commits or rolls back. */
interface Active {
  readonly dataSource: DataSource;
  readonly manager: EntityManager;
  open: boolean;
}

const current = new AsyncLocalStorage<Active>();
/** Units of work under way, over every data source. */
let running = 0;

export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const active = current.getStore();
  // Work a finished unit of work left scheduled (a timer, a callback run later) keeps its
  // async context, but not its transaction: it waits its turn like any other. So a unit of
  // work must not await such work if it may start a unit of its own: that one would wait for
  // the lock its awaiter holds. And a nested unit of work joins at once, so it must be awaited
  // by the one it joins: not awaited, its statements could run after the commit.
  if (active?.open && active.dataSource === dataSource) {
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
      const unit: Active = { dataSource, manager, open: true };
      running += 1;
      try {
        return await current.run(unit, () => work(manager));
      } finally {
        unit.open = false;
        running -= 1;
        // An enabled AsyncLocalStorage makes Node track every promise the process creates,
        // about 5% of the CPU time of POST /score, which writes nothing. With no unit of work
        // under way, nothing needs the context; the next `run` enables it again.
        if (running === 0) {
          current.disable();
        }
      }
    }),
  );
}
