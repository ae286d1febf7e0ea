import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, createContext } from '../../src/app';
import { createRandom } from '../../src/common/random';
import { AppConfig, loadConfig } from '../../src/config/config';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { DeliveryClock } from '../../src/modules/delivery/clock';
import { DispatcherService } from '../../src/modules/delivery/dispatcher.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { readyApp, sharedData } from '../support/app';
import { Reply, WebhookReceiver } from '../support/receiver';

/**
 * Processes killed with SIGKILL at seeded random points of an import, a training job, a
 * campaign run and a delivery burst, each in a child process on a SQLite file it shares with
 * this one. After each kill the application is started again on the file and must find it
 * intact and whole: no half-written import, no version without its job, no decision lost or
 * made twice once the run is resumed with its key, and every message delivered (at least
 * once) or dead-lettered once the outbox is drained. BULLSEYE_FAULT_SEED picks other points.
 */

const SEED = Number(process.env.BULLSEYE_FAULT_SEED ?? 20261203);
const ROOT = path.resolve(__dirname, '../..');
const BANK = sharedData('bank-marketing', 'bank.csv');
const BANK_FULL = sharedData('bank-marketing', 'bank-full.csv');
const BANK_FULL_ROWS = 45_211;
const RUN_BATCH = 100;

/** Settings of every process of the test, as environment variables (children read them so). */
const SETTINGS: Record<string, string> = {
  BULLSEYE_LOG_LEVEL: 'silent',
  BULLSEYE_AUTH: 'off',
  BULLSEYE_RATE_LIMIT: '0',
  BULLSEYE_SCHEDULER_ENABLED: 'false',
  BULLSEYE_DISPATCHER_ENABLED: 'false',
  // Retries at once and a dead letter after the third attempt, so a drain settles everything.
  BULLSEYE_DELIVERY_SCHEDULE: '0,0,0',
  BULLSEYE_DELIVERY_TIMEOUT_MS: '2000',
  BULLSEYE_DELIVERY_ALLOW_HTTP: 'true',
  BULLSEYE_DELIVERY_ALLOWED_HOSTS: '127.0.0.1',
};

type Line = { word: string; payload: Record<string, unknown> };

/** A child process that has loaded the code and waits for its command. */
class FaultChild {
  /** Every child started, to be sure none outlives the test. */
  static readonly started: FaultChild[] = [];

  readonly exited: Promise<number | null>;
  readonly loaded: Promise<void>;
  private readonly listeners = new Set<(line: Line) => void>();
  private stderr = '';

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    process.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    const lines = readline.createInterface({ input: process.stdout });
    lines.on('line', (text) => {
      // Only the child's own lines; anything a library prints is not for us.
      const match = /^(LOADED|READY|JOB|PROGRESS|DONE)(?: (\{.*\}))?$/.exec(text);
      if (match) {
        const line = { word: match[1], payload: JSON.parse(match[2] ?? '{}') as Line['payload'] };
        this.listeners.forEach((listener) => listener(line));
      }
    });
    this.loaded = this.next('LOADED').then(() => undefined);
  }

  static spawn(cache: string): FaultChild {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'test/support/fault-child.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, ...SETTINGS, BULLSEYE_FAULT_TS_CACHE: cache },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );

    const started = new FaultChild(child);
    FaultChild.started.push(started);

    return started;
  }

  on(listener: (line: Line) => void): void {
    this.listeners.add(listener);
  }

  /** The next line that starts with `word`; fails when the process ends first. */
  next(word: string): Promise<Line['payload']> {
    return new Promise((resolve, reject) => {
      const listener = (line: Line): void => {
        if (line.word === word) {
          this.listeners.delete(listener);
          resolve(line.payload);
        }
      };
      this.listeners.add(listener);
      void this.exited.then((code) =>
        reject(new Error(`The child ended (code ${code}) before ${word}: ${this.stderr}`)),
      );
    });
  }

  command(command: Record<string, unknown>): void {
    this.process.stdin.write(`${JSON.stringify(command)}\n`);
  }

  kill(): void {
    this.process.kill('SIGKILL');
  }

  /** Waits for the end; an exit of its own other than success is a failure of the test. */
  async end(): Promise<'killed' | 'finished'> {
    const code = await this.exited;
    if (this.process.signalCode === 'SIGKILL') {
      return 'killed';
    }
    if (code !== 0) {
      throw new Error(`The child failed (code ${code}): ${this.stderr}`);
    }

    return 'finished';
  }
}

/** Keeps one child loaded ahead, so each kill costs a command, not a start-up. */
class ChildPool {
  private warm: FaultChild;

  /** `cache`: where children keep transpiled sources for the next ones. */
  constructor(private readonly cache: string) {
    this.warm = FaultChild.spawn(cache);
  }

  async take(): Promise<FaultChild> {
    const child = this.warm;
    await child.loaded;
    this.warm = FaultChild.spawn(this.cache);

    return child;
  }

  async close(): Promise<void> {
    this.warm.process.stdin.end();
    await this.warm.exited;
  }
}

interface Point {
  readonly at: number;
  readonly delayMs: number;
}

interface Outcome extends Point {
  readonly result: 'killed' | 'finished';
}

const started = Date.now();
const seconds = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/**
 * Sends `command` and kills the child `delayMs` after the `at`-th PROGRESS line (0: after
 * READY), or once `trigger` says so; a child that finishes first is left to finish.
 */
async function killAt(
  child: FaultChild,
  command: Record<string, unknown>,
  point: Point,
  trigger?: (stop: () => void) => void,
): Promise<Outcome> {
  let progress = 0;
  let armed = false;
  const stop = (): void => {
    if (!armed) {
      armed = true;
      setTimeout(() => child.kill(), point.delayMs);
    }
  };
  child.on(({ word }) => {
    if (trigger) return;
    if (word === 'READY' && point.at === 0) stop();
    if (word === 'PROGRESS' && ++progress >= point.at && point.at > 0) stop();
  });
  child.command(command);
  trigger?.(stop);

  return { ...point, result: await child.end() };
}

/** Opens the application on the file again (what a restart does), then closes it. */
async function restart<T>(
  config: AppConfig,
  work: (context: INestApplicationContext, db: DataSource) => Promise<T>,
): Promise<T> {
  const context = await createContext(config);
  try {
    const db = context.get(DataSource);
    const [check] = await db.query('PRAGMA integrity_check');
    expect(check.integrity_check).toBe('ok');

    return await work(context, db);
  } finally {
    await context.close();
  }
}

async function count(db: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query(sql, params);

  return Number(row.n);
}

function report(scenario: string, outcomes: readonly Outcome[]): void {
  const points = outcomes.map((o) => `${o.at}+${o.delayMs}ms:${o.result}`).join(', ');
  process.stdout.write(`faults (seed ${SEED}, at ${seconds()}) ${scenario}: ${points}\n`);
}

describe('processes killed at random points', () => {
  const random = createRandom(SEED);
  const delay = (most: number): number => random.int(most);
  // The receiver's answers come from a stream of their own, so the kill points above repeat.
  const replies = createRandom(`${SEED}:replies`);
  let dir: string;
  let pool: ChildPool;
  let receiver: WebhookReceiver;
  let importsDb: AppConfig;
  let runsDb: AppConfig;
  let trainingSetId: string;
  let campaignId: string;
  let customers: number;
  const killed: Outcome[] = [];

  const configFor = (name: string): AppConfig =>
    loadConfig(SETTINGS, {
      databaseFile: path.join(dir, `${name}.sqlite`),
      dataDir: dir,
      dispatcherEnabled: false,
      schedulerEnabled: false,
    });
  const where = (config: AppConfig) => ({
    databaseFile: config.databaseFile,
    dataDir: config.dataDir,
  });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-faults-'));
    // The first child loads while this process sets the files up.
    pool = new ChildPool(path.join(dir, 'ts-cache'));
    receiver = await WebhookReceiver.start();
    importsDb = configFor('imports');
    runsDb = configFor('runs');

    const imports = await createContext(importsDb);
    trainingSetId = (
      await imports.get(DatasetsService).importFile({ file: BANK, name: 'bank', target: 'y' })
    ).id;
    await imports.close();

    // The runs file: a champion, an endpoint for promos only, an active campaign.
    const app = await createApp(runsDb);
    await readyApp(app);
    const http = request(app.getHttpServer());
    const dataset = await app.get(DatasetsService).importFile({
      file: BANK,
      name: 'bank',
      target: 'y',
      exclude: ['duration'],
    });
    const models = app.get(ModelsService);
    const job = await models.train('bank', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');
    const endpoint = await http
      .post('/endpoints')
      .send({ name: 'receiver', url: receiver.url(), actionTypes: ['promo'] })
      .expect(201);
    receiver.secrets = [endpoint.body.secret];
    const campaign = await http
      .post('/campaigns')
      .send({
        name: 'faults',
        modelName: 'bank',
        holdoutShare: 0.1,
        rules: [
          {
            name: 'top',
            priority: 2,
            conditions: {
              all: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 3 }],
            },
            event: { type: 'promo', params: { offer: 'fault' } },
          },
          {
            name: 'rest',
            conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0 }] },
            event: { type: 'email' },
          },
        ],
      })
      .expect(201);
    await http.post(`/campaigns/${campaign.body.id}/activate`).expect(200);
    campaignId = campaign.body.id;
    customers = await count(app.get(DataSource), 'SELECT count(*) AS n FROM customers');
    await app.close();
  }, 120_000);

  afterAll(async () => {
    await pool?.close();
    for (const child of FaultChild.started.filter(
      (c) => c.process.exitCode === null && c.process.signalCode === null,
    )) {
      child.kill();
      await child.exited;
    }
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an import killed anywhere leaves its dataset whole or absent (6 kills)', async () => {
    const outcomes: Outcome[] = [];
    // 20 progress lines: scanning and importing, every 5,000 rows and at the end of each.
    for (let rep = 0; rep < 6; rep++) {
      const name = `full-${rep}`;
      const point = { at: random.int(21), delayMs: delay(150) };
      const child = await pool.take();
      outcomes.push(
        await killAt(child, { work: 'import', ...where(importsDb), file: BANK_FULL, name }, point),
      );

      await restart(importsDb, async (_context, db) => {
        const datasets: { id: string; row_count: number }[] = await db.query(
          'SELECT id, row_count FROM datasets WHERE name = ?',
          [name],
        );
        const customersOf = await count(db, 'SELECT count(*) AS n FROM customers WHERE id LIKE ?', [
          `${name}:%`,
        ]);
        const orphans = await count(
          db,
          `SELECT count(*) AS n FROM dataset_records
           WHERE dataset_id NOT IN (SELECT id FROM datasets)`,
        );
        const uneven = await count(
          db,
          `SELECT count(*) AS n FROM datasets d WHERE d.row_count !=
             (SELECT count(*) FROM dataset_records r WHERE r.dataset_id = d.id)`,
        );

        expect(orphans).toBe(0);
        expect(uneven).toBe(0);
        expect(datasets.length).toBeLessThanOrEqual(1);
        expect(customersOf).toBe(datasets.length === 1 ? BANK_FULL_ROWS : 0);
        if (datasets.length === 1) {
          expect(datasets[0].row_count).toBe(BANK_FULL_ROWS);
        }
      });
    }
    report('import', outcomes);
    killed.push(...outcomes);
  }, 180_000);

  it('a training job killed anywhere leaves all its versions or none (5 kills)', async () => {
    const outcomes: Outcome[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const model = `m${rep}`;
      // Killed once the job's progress passes a random fraction (drawn in hundredths).
      const fraction = random.int(100) / 100;
      const point = { at: Math.round(fraction * 100), delayMs: delay(100) };
      const child = await pool.take();
      const seen: { jobId?: string } = {};
      const outcome = await killAt(
        child,
        {
          work: 'train',
          ...where(importsDb),
          datasetId: trainingSetId,
          model,
          plugins: ['logistic', 'svm', 'neural'],
        },
        point,
        (stop) =>
          child.on(({ word, payload }) => {
            if (word === 'JOB') seen.jobId = String(payload.jobId);
            if (word === 'PROGRESS' && Number(payload.progress) >= fraction) stop();
          }),
      );
      outcomes.push(outcome);

      await restart(importsDb, async (context, db) => {
        const read = (): Promise<{ id: string; status: string; error: string | null }[]> =>
          db.query('SELECT id, status, error FROM training_jobs WHERE model_name = ?', [model]);
        // A job killed while still queued is taken up by the restarted process: let it end.
        const queued = (await read()).find((job) => job.status === 'queued');
        if (queued) await context.get(ModelsService).waitForJob(queued.id);
        const jobs = await read();
        const versions = await count(
          db,
          'SELECT count(*) AS n FROM model_versions WHERE model_name = ?',
          [model],
        );
        const champions = await count(
          db,
          `SELECT count(*) AS n FROM model_versions WHERE model_name = ? AND status = 'champion'`,
          [model],
        );
        const models = await count(db, 'SELECT count(*) AS n FROM models WHERE name = ?', [model]);

        expect(jobs.length).toBeLessThanOrEqual(1);
        if (seen.jobId !== undefined) expect(jobs[0].id).toBe(seen.jobId);
        const succeeded = jobs[0]?.status === 'succeeded';
        expect(versions).toBe(succeeded ? 3 : 0);
        expect(champions).toBe(succeeded ? 1 : 0);
        expect(models).toBe(succeeded ? 1 : 0);
        if (jobs.length === 1 && !succeeded) {
          // Killed while running: the restart marks it failed as interrupted.
          expect(jobs[0].status).toBe('failed');
          expect(JSON.parse(jobs[0].error as string).code).toBe('job_interrupted');
        }
      });
    }
    report('training', outcomes);
    killed.push(...outcomes);
  }, 180_000);

  it('runs decide each customer once; bursts settle every message (6 + 6 kills)', async () => {
    const runs: Outcome[] = [];
    const bursts: Outcome[] = [];
    const batches = Math.ceil(customers / RUN_BATCH);
    for (let rep = 0; rep < 6; rep++) {
      const runKey = `faults-${rep}`;
      const point = { at: random.int(batches + 1), delayMs: delay(80) };
      // Drawn now: how many messages a run makes depends on the campaign's id (its holdout).
      const burstShare = random.next();
      const burstDelayMs = delay(20);
      const child = await pool.take();
      runs.push(
        await killAt(
          child,
          { work: 'run', ...where(runsDb), campaignId, runKey, batchSize: RUN_BATCH },
          point,
        ),
      );
      // Restart, resume the run with its key, and count what it decided.
      const promos = await restart(runsDb, async (context, db) => {
        const { run } = await context.get(CampaignRunsService).start({ campaignId, runKey });
        const [decided] = await db.query(
          `SELECT count(*) AS n, count(DISTINCT customer_id) AS distinct_customers
             FROM decisions WHERE run_id = ?`,
          [run.id],
        );
        const promoted = await count(
          db,
          `SELECT count(*) AS n FROM decisions
            WHERE run_id = ? AND status = 'action' AND action = 'promo'`,
          [run.id],
        );
        const deliveries = await count(
          db,
          'SELECT count(*) AS n FROM deliveries WHERE run_id = ?',
          [run.id],
        );

        expect(run.status).toBe('succeeded');
        expect(run.counts.customers).toBe(customers);
        expect(Number(decided.n)).toBe(customers);
        expect(Number(decided.distinct_customers)).toBe(customers);
        expect(promoted).toBe(run.counts.byAction.promo);
        expect(deliveries).toBe(promoted);

        return { runId: run.id, count: promoted };
      });
      // The burst: one in five answers fails, so some messages end as dead letters.
      receiver.reset();
      const script: Reply[] = Array.from({ length: promos.count * 3 }, () =>
        replies.next() < 0.2 ? { status: replies.next() < 0.5 ? 500 : 503 } : { status: 200 },
      );
      receiver.reply(...script);
      const threshold = 1 + Math.floor(burstShare * promos.count);
      const burst = { at: threshold, delayMs: burstDelayMs };
      const sender = await pool.take();
      bursts.push(
        await killAt(sender, { work: 'deliver', ...where(runsDb) }, burst, (stop) => {
          const watch = setInterval(() => {
            if (receiver.received >= threshold || sender.process.exitCode !== null) {
              clearInterval(watch);
              stop();
            }
          }, 2);
        }),
      );
      // Restart past every lease the killed sender held, and drain until nothing is due.
      await restart(runsDb, async (context, db) => {
        const dispatcher = context.get(DispatcherService);
        const ahead = dispatcher.leaseMs + 1000;
        context.get(DeliveryClock).now = () => Date.now() + ahead;
        for (let pass = 0; pass < 50; pass++) {
          const drained = await dispatcher.drain();
          if (drained.attempted === 0 && drained.released === 0) break;
        }
        const rows: { id: string; status: string }[] = await db.query(
          'SELECT id, status FROM deliveries WHERE run_id = ?',
          [promos.runId],
        );
        const answered = new Set(
          receiver.requests
            .filter((r) => r.reply !== 'hang' && r.reply.status < 300)
            .map((r) => r.webhookId),
        );
        const delivered = rows.filter((r) => r.status === 'delivered');
        const unsettled = rows.filter((r) => r.status !== 'delivered' && r.status !== 'dead');

        expect(rows).toHaveLength(promos.count);
        expect(unsettled).toEqual([]);
        expect(delivered.filter((r) => !answered.has(r.id))).toEqual([]);
        expect(receiver.requests.every((r) => r.verifiedBy.length > 0)).toBe(true);
      });
    }
    report('campaign run', runs);
    report('delivery burst', bursts);
    killed.push(...runs, ...bursts);
  }, 300_000);

  it('killed at least 20 times in all, part-way through the work', () => {
    expect(killed.length).toBeGreaterThanOrEqual(23);
    expect(killed.filter((o) => o.result === 'killed').length).toBeGreaterThanOrEqual(20);
  });
});
