import { CronTime } from 'cron';
import type { ErrorDetail } from '../../common/errors';

/**
 * Cron expressions read by the `cron` package that `@nestjs/schedule` runs on: five fields
 * (minute hour day-of-month month day-of-week) or six with seconds first, evaluated in an
 * IANA time zone so that "03:00" stays 03:00 local time across daylight-saving changes.
 */

const CRON_EXAMPLE = 'e.g. "0 3 * * *" (every day at 03:00) or "0 6 * * 1" (Mondays at 06:00)';

/** Looking back this far (and then further) for the occurrence a tick belongs to. */
const LOOKBACKS_MS = [1_000, 60_000, 3_600_000, 86_400_000];

/** Problems with a time zone name, under `path`; none when it is a usable IANA name. */
export function timeZoneProblems(timeZone: unknown, path = '$.timeZone'): ErrorDetail[] {
  const hint = 'must be an IANA time zone name such as "UTC" or "Europe/Lisbon"';
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    return [{ path, message: hint }];
  }
  try {
    // Intl refuses names that only luxon knows ("local", "system"), which depend on the host.
    new Intl.DateTimeFormat('en-US', { timeZone });
    new CronTime('0 0 * * *', timeZone);
  } catch {
    return [{ path, message: `${hint}; "${timeZone}" is not one` }];
  }

  return [];
}

/**
 * Problems with a cron expression, under `path`. An expression that parses but never
 * fires (31 February) is refused too.
 */
export function cronProblems(cron: unknown, path = '$.cron'): ErrorDetail[] {
  if (typeof cron !== 'string' || cron.trim() === '') {
    return [{ path, message: `must be a cron expression, ${CRON_EXAMPLE}` }];
  }
  try {
    new CronTime(cron, 'UTC').sendAt();
  } catch (error) {
    const reason = firstLine((error as Error).message);

    return [
      { path, message: `"${cron}" is not a usable cron expression (${reason}); ${CRON_EXAMPLE}` },
    ];
  }

  return [];
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date {
  return new CronTime(cron, timeZone).getNextDateFrom(after, timeZone).toJSDate();
}

/**
 * The occurrence a tick at `now` stands for: the latest one at or before `now`, looked for
 * in the last second, minute, hour and day in turn. Every process that ticks for the same
 * occurrence gets the same answer, which is what lets them agree that it has been run.
 * `null` when the expression had no occurrence in the last day (a tick fired by hand).
 */
export function occurrenceOf(cron: string, timeZone: string, now: Date): Date | null {
  const time = new CronTime(cron, timeZone);
  for (const lookback of LOOKBACKS_MS) {
    let latest: Date | null = null;
    let next = time.getNextDateFrom(new Date(now.getTime() - lookback), timeZone).toJSDate();
    while (next.getTime() <= now.getTime()) {
      latest = next;
      next = time.getNextDateFrom(next, timeZone).toJSDate();
    }
    if (latest) {
      return latest;
    }
  }

  return null;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
