/**
 * One Bullseye process for the fault test (test/e2e/faults.e2e.spec.ts), which kills it
 * with SIGKILL part-way through its work. Loading the code takes seconds, so the process
 * loads first and says `LOADED`, then waits for one command on stdin (a JSON line), opens
 * the application on the command's SQLite file, says `READY`, does the work with a
 * `PROGRESS {…}` line per step, and says `DONE {…}`.
 *
 *   node -r ts-node/register/transpile-only test/support/fault-child.ts
 *
 * Commands: `{ work: 'import', file, name, target }`, `{ work: 'train', datasetId, model,
 * plugins }`, `{ work: 'run', campaignId, runKey, batchSize }`, `{ work: 'deliver' }`, each
 * with `databaseFile` and `dataDir`. Other settings come from the environment.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { INestApplicationContext } from '@nestjs/common';

/**
 * Transpiling the sources is most of a start-up. With BULLSEYE_FAULT_TS_CACHE set, what
 * ts-node makes of each source is kept there under the hash of the source, so the children
 * after the first start in a fraction of the time; a changed file gets a new entry.
 */
function cacheTranspiledSources(dir: string | undefined): void {
  type Service = { compile(code: string, fileName: string): string };
  const service = (process as unknown as Record<symbol, Service | undefined>)[
    Symbol.for('ts-node.register.instance')
  ];
  if (!dir || !service) {
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  const compile = service.compile.bind(service);
  service.compile = (code, fileName) => {
    const hash = createHash('sha1').update(fileName).update('\0').update(code).digest('hex');
    const entry = path.join(dir, `${hash}.js`);
    if (fs.existsSync(entry)) {
      return fs.readFileSync(entry, 'utf8');
    }
    const output = compile(code, fileName);
    // Written aside and renamed, so a child never reads another's half-written entry.
    const partial = `${entry}.${process.pid}`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, entry);

    return output;
  };
}

cacheTranspiledSources(process.env.BULLSEYE_FAULT_TS_CACHE);

interface Command {
  readonly work: 'import' | 'train' | 'run' | 'deliver';
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
  // Loaded here, after the cache is in place (static imports would be loaded before it).
  const { CampaignRunsService } = await import('../../src/modules/campaigns/campaign-runs.service');
  const { DatasetsService } = await import('../../src/modules/datasets/datasets.service');
  const { DispatcherService } = await import('../../src/modules/delivery/dispatcher.service');
  const { ModelsService } = await import('../../src/modules/models/models.service');
  switch (command.work) {
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
  const { createContext } = await import('../../src/app');
  const { loadConfig } = await import('../../src/config/config');
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
