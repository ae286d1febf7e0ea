/**
 * One Bullseye process for the two-process retraining test: opens the application on the
 * given SQLite file, sets the scheduling clock, says `ready`, waits for `go` on stdin, fires
 * the schedule's cron job through the SchedulerRegistry, and prints the runs it made.
 *
 * Usage: node -r ts-node/register/transpile-only test/support/retrain-child.ts \
 *          <database file> <schedule id> <ISO time>
 */
import 'reflect-metadata';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { SchedulerRegistry } from '@nestjs/schedule';
import { createContext } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { RetrainingService } from '../../src/modules/scheduling/retraining.service';
import { cronJobName } from '../../src/modules/scheduling/schedules.service';
import { SchedulingClock } from '../../src/modules/scheduling/scheduling-clock';

async function main(): Promise<void> {
  const [databaseFile, scheduleId, time] = process.argv.slice(2);
  const config = loadConfig(
    { BULLSEYE_LOG_LEVEL: 'silent' },
    { databaseFile, dataDir: path.dirname(databaseFile), dispatcherEnabled: false },
  );
  const context = await createContext(config);
  context.get(SchedulingClock).now = () => new Date(time);
  const job = context.get(SchedulerRegistry).getCronJob(cronJobName(scheduleId));
  const retraining = context.get(RetrainingService);

  process.stdout.write(`READY ${JSON.stringify({ active: job.isActive })}\n`);
  await new Promise<void>((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
  });

  await job.fireOnTick();
  const runs = (await retraining.listRuns({ scheduleId })).filter((run) =>
    run.holder.startsWith(`${retraining.instance}/`),
  );
  const made = runs.map((r) => ({ id: r.id, status: r.status }));
  process.stdout.write(`RESULT ${JSON.stringify({ instance: retraining.instance, runs: made })}\n`);
  await context.close();
  // stdin stays open while the parent lives; this process is done.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
