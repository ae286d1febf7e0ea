import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../database/unit-of-work';

/**
 * A lock per schedule, held in the database so that it also holds between processes that
 * share one SQLite file: the row in `schedule_locks` says who runs the schedule and until
 * when. Taking it is one statement — insert the row, or take over a row whose time is up —
 * so two processes racing for it cannot both win: SQLite lets one writer at a time in and
 * the second sees the first one's row. A holder renews its lock while it works and deletes
 * it at the end; a holder that dies leaves a lock that simply expires.
 */

/** How long a lock lasts without renewal. */
export const LOCK_TTL_MS = 15 * 60_000;
/** How often a holder renews its lock. */
export const LOCK_RENEW_MS = 60_000;

export interface LockRequest {
  readonly scheduleId: string;
  readonly holder: string;
  /** Epoch milliseconds, from the caller's clock. */
  readonly now: number;
  readonly ttlMs: number;
}

export interface LockState {
  readonly holder: string;
  readonly expiresAt: number;
}

/** Takes the lock when it is free or expired; true when `holder` now holds it. */
export async function acquireScheduleLock(
  dataSource: DataSource,
  request: LockRequest,
): Promise<boolean> {
  const { scheduleId, holder, now, ttlMs } = request;

  return inTransaction(dataSource, async (manager) => {
    await manager.query(
      `INSERT INTO "schedule_locks" ("schedule_id", "holder", "expires_at", "acquired_at")
       VALUES (?, ?, ?, ?)
       ON CONFLICT ("schedule_id") DO UPDATE SET
         "holder" = excluded."holder",
         "expires_at" = excluded."expires_at",
         "acquired_at" = excluded."acquired_at"
       WHERE "schedule_locks"."expires_at" < ?`,
      [scheduleId, holder, now + ttlMs, now, now],
    );
    const rows: { holder: string }[] = await manager.query(
      `SELECT "holder" FROM "schedule_locks" WHERE "schedule_id" = ?`,
      [scheduleId],
    );

    return rows[0]?.holder === holder;
  });
}

/** Pushes the expiry of a lock `holder` still holds; false when it has lost it. */
export async function renewScheduleLock(
  dataSource: DataSource,
  request: LockRequest,
): Promise<boolean> {
  const { scheduleId, holder, now, ttlMs } = request;

  return inTransaction(dataSource, async (manager) => {
    await manager.query(
      `UPDATE "schedule_locks" SET "expires_at" = ? WHERE "schedule_id" = ? AND "holder" = ?`,
      [now + ttlMs, scheduleId, holder],
    );
    const rows: { holder: string }[] = await manager.query(
      `SELECT "holder" FROM "schedule_locks" WHERE "schedule_id" = ?`,
      [scheduleId],
    );

    return rows[0]?.holder === holder;
  });
}

/** Gives the lock up, if `holder` still holds it. */
export async function releaseScheduleLock(
  dataSource: DataSource,
  scheduleId: string,
  holder: string,
): Promise<void> {
  await inTransaction(dataSource, (manager) =>
    manager.query(`DELETE FROM "schedule_locks" WHERE "schedule_id" = ? AND "holder" = ?`, [
      scheduleId,
      holder,
    ]),
  );
}

export async function readScheduleLock(
  dataSource: DataSource,
  scheduleId: string,
): Promise<LockState | null> {
  const rows: { holder: string; expires_at: number }[] = await dataSource.query(
    `SELECT "holder", "expires_at" FROM "schedule_locks" WHERE "schedule_id" = ?`,
    [scheduleId],
  );

  return rows[0] ? { holder: rows[0].holder, expiresAt: Number(rows[0].expires_at) } : null;
}

/** A lock taken for the length of one piece of work, renewed in the background. */
export class ScheduleLease {
  private readonly logger = new Logger(ScheduleLease.name);
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<unknown> = Promise.resolve();
  private held = true;

  private constructor(
    private readonly dataSource: DataSource,
    readonly scheduleId: string,
    readonly holder: string,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  /** The lease, or null when someone else holds an unexpired lock. */
  static async take(args: {
    dataSource: DataSource;
    scheduleId: string;
    holder: string;
    now: () => number;
    ttlMs?: number;
    renewMs?: number;
  }): Promise<ScheduleLease | null> {
    const ttlMs = args.ttlMs ?? LOCK_TTL_MS;
    const acquired = await acquireScheduleLock(args.dataSource, {
      scheduleId: args.scheduleId,
      holder: args.holder,
      now: args.now(),
      ttlMs,
    });
    if (!acquired) {
      return null;
    }
    const lease = new ScheduleLease(args.dataSource, args.scheduleId, args.holder, args.now, ttlMs);
    lease.timer = setInterval(() => void lease.renew(), args.renewMs ?? LOCK_RENEW_MS);
    lease.timer.unref();

    return lease;
  }

  /** False once a renewal found the lock taken over (it had expired meanwhile). */
  get isHeld(): boolean {
    return this.held;
  }

  /** Stops renewing; the lock then lasts until it is released or expires. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async release(): Promise<void> {
    this.stop();
    await this.renewing;
    await releaseScheduleLock(this.dataSource, this.scheduleId, this.holder);
  }

  /** Pushes the expiry now (the timer calls this); resolves once written. */
  renew(): Promise<unknown> {
    this.renewing = this.renewing
      .then(() =>
        renewScheduleLock(this.dataSource, {
          scheduleId: this.scheduleId,
          holder: this.holder,
          now: this.now(),
          ttlMs: this.ttlMs,
        }),
      )
      .then((held) => {
        // Once stopped, the lock may already be gone with the work's end: nothing was lost.
        if (!held && this.held && this.timer !== null) {
          this.logger.warn(
            { scheduleId: this.scheduleId, holder: this.holder },
            `Lock of schedule ${this.scheduleId} was lost by ${this.holder}`,
          );
        }
        this.held = this.held && held;
      })
      .catch((error: unknown) =>
        this.logger.warn(
          { scheduleId: this.scheduleId, err: error },
          `Lock of schedule ${this.scheduleId} could not be renewed`,
        ),
      );

    return this.renewing;
  }
}
