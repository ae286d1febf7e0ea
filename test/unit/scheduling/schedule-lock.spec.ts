import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../../src/database/data-source';
import {
  acquireScheduleLock,
  readScheduleLock,
  releaseScheduleLock,
  renewScheduleLock,
  ScheduleLease,
} from '../../../src/modules/scheduling/schedule-lock';

/** Two data sources on one SQLite file: two connections, as two processes would have. */
describe('schedule locks on a shared SQLite file', () => {
  let first: DataSource;
  let second: DataSource;
  const ttlMs = 60_000;
  const t0 = Date.parse('2026-03-02T03:00:00Z');

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-lock-'));
    const databaseFile = path.join(dir, 'bullseye.sqlite');
    first = await openDatabase({ databaseFile });
    second = await openDatabase({ databaseFile });
  });

  afterEach(async () => {
    await first.destroy();
    await second.destroy();
  });

  it('lets exactly one of two racing holders take a free lock', async () => {
    const results = await Promise.all(
      [first, second, first, second].map((db, i) =>
        acquireScheduleLock(db, { scheduleId: 's1', holder: `h${i}`, now: t0, ttlMs }),
      ),
    );
    const lock = await readScheduleLock(second, 's1');

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(lock).toEqual({ holder: `h${results.indexOf(true)}`, expiresAt: t0 + ttlMs });
  });

  it('refuses a held lock until it expires, then hands it over', async () => {
    await acquireScheduleLock(first, { scheduleId: 's1', holder: 'a', now: t0, ttlMs });

    const early = await acquireScheduleLock(second, {
      scheduleId: 's1',
      holder: 'b',
      now: t0 + ttlMs - 1,
      ttlMs,
    });
    // expires_at < now: at the very millisecond of expiry the lock is still held.
    const atExpiry = await acquireScheduleLock(second, {
      scheduleId: 's1',
      holder: 'b',
      now: t0 + ttlMs,
      ttlMs,
    });
    const late = await acquireScheduleLock(second, {
      scheduleId: 's1',
      holder: 'b',
      now: t0 + ttlMs + 1,
      ttlMs,
    });

    expect([early, atExpiry, late]).toEqual([false, false, true]);
    expect(
      await renewScheduleLock(first, { scheduleId: 's1', holder: 'a', now: t0 + ttlMs + 2, ttlMs }),
    ).toBe(false);
    expect((await readScheduleLock(first, 's1'))?.holder).toBe('b');
  });

  it('renews only for its holder and releases only its own lock', async () => {
    await acquireScheduleLock(first, { scheduleId: 's1', holder: 'a', now: t0, ttlMs });

    expect(
      await renewScheduleLock(first, { scheduleId: 's1', holder: 'a', now: t0 + 1000, ttlMs }),
    ).toBe(true);
    expect((await readScheduleLock(second, 's1'))?.expiresAt).toBe(t0 + 1000 + ttlMs);
    await releaseScheduleLock(second, 's1', 'b');
    expect((await readScheduleLock(second, 's1'))?.holder).toBe('a');
    await releaseScheduleLock(second, 's1', 'a');
    expect(await readScheduleLock(first, 's1')).toBeNull();
    expect(
      await acquireScheduleLock(second, { scheduleId: 's1', holder: 'b', now: t0 + 2000, ttlMs }),
    ).toBe(true);
  });

  it('keeps a lease alive while it works and lets go at the end', async () => {
    let now = t0;
    const lease = await ScheduleLease.take({
      dataSource: first,
      scheduleId: 's1',
      holder: 'a',
      now: () => now,
      ttlMs,
    });
    now = t0 + ttlMs / 2;
    // What the lease's timer does every minute, called here instead of waiting for it.
    await lease?.renew();
    const renewed = await readScheduleLock(second, 's1');
    const refused = await ScheduleLease.take({
      dataSource: second,
      scheduleId: 's1',
      holder: 'b',
      now: () => now + ttlMs / 2 + 1,
    });
    await lease?.release();

    expect(lease?.isHeld).toBe(true);
    expect(renewed).toEqual({ holder: 'a', expiresAt: t0 + ttlMs / 2 + ttlMs });
    expect(refused).toBeNull();
    expect(await readScheduleLock(second, 's1')).toBeNull();
  });
});
