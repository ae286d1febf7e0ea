import { Injectable } from '@nestjs/common';

/**
 * The time as scheduling sees it: which cron occurrence a tick stands for, lock expiry and
 * the timestamps of runs and schedules. Tests replace `now` to move time without waiting.
 */
@Injectable()
export class SchedulingClock {
  now(): Date {
    return new Date();
  }
}
