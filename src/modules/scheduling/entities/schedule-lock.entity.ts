import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who is running a schedule right now. Taken and renewed with one statement each, so that
 * it holds across processes sharing the database; see `schedule-lock.ts`.
 */
@Entity({ name: 'schedule_locks' })
export class ScheduleLockEntity {
  @PrimaryColumn({ name: 'schedule_id', type: 'varchar', length: 36 })
  scheduleId: string;

  @Column({ name: 'holder', type: 'varchar', length: 200 })
  holder: string;

  /** Epoch milliseconds; past this the lock is free for anyone. */
  @Column({ name: 'expires_at', type: 'integer' })
  expiresAt: number;

  @Column({ name: 'acquired_at', type: 'integer' })
  acquiredAt: number;
}
