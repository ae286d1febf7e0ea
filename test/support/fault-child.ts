/**
 * One Bullseye process for the fault test (test/e2e/faults.e2e.spec.ts), which kills it
 * with SIGKILL part-way through its work. Loading the code takes seconds, so the process
 * loads first and says `LOADED`, then waits for one command on stdin (a JSON line), opens
 * the application on the command's SQLite file, says `READY`, does the work with a
 * `PROGRESS {…}` line per step, and says `DONE {…}`.
 *
 *   node -r ts-node/register/transpile-only test/support/fault-child.ts
 *
 * Commands: `{ task: 'import', file, name, target }`, `{ task: 'train', datasetId, model,
 * plugins }`, `{ task: 'run', campaignId, runKey, batchSize }`, `{ task: 'deliver' }`, each
 * with `databaseFile` and `dataDir`. Other settings come from the environment.
 */
import 'reflect-metadata';
import * as readline from 'node:readline';
import type { INestApplicationContext } from '@nestjs/common';
import { createContext } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { DispatcherService } from '../../src/modules/delivery/dispatcher.service';
import { ModelsService } from '../../src/modules/models/models.service';

interface Command {
  readonly task: 'import' | 'train' | 'run' | 'deliver';
  readonly databaseFile: string;
  readonly dataDir: string;
  readonly file?: string;
  readonly name?: string;
  readonly target?: string;
  readonly datasetId?: string;
  readonly model?: string;
  readonly plugins?: string[];
  readonly campaignId?: string;
  readonly runKey?: string;
  readonly batchSize?: number;
}

function say(word: string, payload?: unknown): void {
  process.stdout.write(
    payload === undefined ? `${word}\n` : `${word} ${JSON.stringify(payload)}\n`,
  );
}

/** The first line on stdin, or null when stdin closes without one. */
function readCommand(): Promise<Command | null> {
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(JSON.parse(line) as Command);
    });
    lines.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

async function work(context: INestApplicationContext, command: Command): Promise<unknown> {
  switch (command.task) {
    case 'import': {
      const dataset = await context.get(DatasetsService).importFile({
        file: command.file as string,
        name: command.name,
        target: command.target,
        onProgress: (p) => say('PROGRESS', { stage: p.stage, rows: p.rows }),
      });

      return { datasetId: dataset.id, rows: dataset.rowCount };
    }
    case 'train': {
      const models = context.get(ModelsService);
      const job = await models.train(command.model as string, {
        datasetId: command.datasetId as string,
        plugins: (command.plugins ?? ['logistic']).map((id) => ({ id })),
        promote: 'best',
      });
      say('JOB', { jobId: job.id });
      models.onJobEvent((event) => say('PROGRESS', { progress: event.progress }));
      const done = await models.waitForJob(job.id);

      return { jobId: job.id, status: done.status };
    }
    case 'run': {
      const { run } = await context.get(CampaignRunsService).start({
        campaignId: command.campaignId as string,
        runKey: command.runKey,
        batchSize: command.batchSize,
        onProgress: (progress) => say('PROGRESS', { batches: progress.batches }),
      });

      return { runId: run.id, status: run.status };
    }
    case 'deliver': {
      const dispatcher = context.get(DispatcherService);
      let delivered = 0;
      // Until a drain finds nothing due; retries are due at once in the fault test's schedule.
      for (let pass = 0; pass < 100; pass++) {
        const result = await dispatcher.drain();
        delivered += result.delivered;
        say('PROGRESS', { pass, ...result });
        if (result.attempted === 0 && result.released === 0) {
          break;
        }
      }

      return { delivered };
    }
  }
}

async function main(): Promise<void> {
  say('LOADED');
  const command = await readCommand();
  if (!command) {
    return;
  }
  const config = loadConfig(process.env, {
    databaseFile: command.databaseFile,
    dataDir: command.dataDir,
    dispatcherEnabled: false,
    schedulerEnabled: false,
  });
  const context = await createContext(config);
  say('READY');
  try {
    say('DONE', await work(context, command));
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
