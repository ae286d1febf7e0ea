import { CronJob } from 'cron';
import {
  cronProblems,
  nextOccurrence,
  occurrenceOf,
  timeZoneProblems,
} from '../../../src/modules/scheduling/cron-timing';

describe('cron timing in a time zone', () => {
  it('reads 03:00 in New York as 08:00 UTC in winter and 07:00 UTC in summer', () => {
    const winter = nextOccurrence(
      '0 3 * * *',
      'America/New_York',
      new Date('2026-01-15T12:00:00Z'),
    );
    const summer = nextOccurrence(
      '0 3 * * *',
      'America/New_York',
      new Date('2026-07-15T12:00:00Z'),
    );

    expect(winter.toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(summer.toISOString()).toBe('2026-07-16T07:00:00.000Z');
  });

  it('gives a tick the occurrence it stands for, however late it fires', () => {
    const cron = '0 3 * * *';
    const zone = 'Europe/Lisbon';

    expect(occurrenceOf(cron, zone, new Date('2026-03-02T03:00:00.000Z'))?.toISOString()).toBe(
      '2026-03-02T03:00:00.000Z',
    );
    expect(occurrenceOf(cron, zone, new Date('2026-03-02T03:00:00.420Z'))?.toISOString()).toBe(
      '2026-03-02T03:00:00.000Z',
    );
    expect(occurrenceOf(cron, zone, new Date('2026-03-02T05:17:00Z'))?.toISOString()).toBe(
      '2026-03-02T03:00:00.000Z',
    );
    // Every ten seconds: the latest of them, not the first in the window.
    expect(
      occurrenceOf('*/10 * * * * *', 'UTC', new Date('2026-03-02T03:00:37Z'))?.toISOString(),
    ).toBe('2026-03-02T03:00:30.000Z');
  });

  it('has no occurrence for a tick more than a day away from one', () => {
    expect(occurrenceOf('0 3 1 1 *', 'UTC', new Date('2026-06-01T00:00:00Z'))).toBeNull();
  });

  it('names the JSON path of a bad expression or zone', () => {
    expect(cronProblems('0 3 * *')).toEqual([
      expect.objectContaining({
        path: '$.cron',
        message: expect.stringContaining('Too few fields'),
      }),
    ]);
    expect(cronProblems(42)[0].path).toBe('$.cron');
    expect(timeZoneProblems('Europe/Lisbon')).toEqual([]);
    expect(timeZoneProblems('Europe/Nowhere')[0].path).toBe('$.timeZone');
  });
});

describe('a cron job on fake timers', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fires at 03:00 New York time and not before', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-02T07:59:58.000Z') });
    const ticks: string[] = [];
    const job = CronJob.from({
      cronTime: '0 3 * * *',
      timeZone: 'America/New_York',
      onTick: () => {
        ticks.push(new Date().toISOString());
      },
      start: true,
      waitForCompletion: true,
    });

    await jest.advanceTimersByTimeAsync(1000);
    const before = [...ticks];
    await jest.advanceTimersByTimeAsync(1500);
    await job.stop();

    expect(before).toEqual([]);
    expect(ticks).toEqual(['2026-03-02T08:00:00.000Z']);
    expect(job.isActive).toBe(false);
  });
});
