/**
 * Batch scoring at 10k, 100k and 1M synthetic customers (seeded), with a logistic model
 * trained on 10,000 of them. Each size gets its own SQLite file, filled by one process and
 * scored by a fresh one, so that the peak RSS of the scoring process is that of the run
 * alone: flat memory shows as about the same peak at every size.
 *
 *   npm run bench:score              # 10000 100000 1000000
 *   npm run bench:score -- 10000 50000
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { createContext } from '../src/app';
import { createRandom, Random } from '../src/common/random';
import { AppConfig, loadConfig } from '../src/config/config';
import { DatasetsService } from '../src/modules/datasets/datasets.service';
import { ModelsService } from '../src/modules/models/models.service';
import { ScoringService } from '../src/modules/scoring/scoring.service';

const TRAINING_CUSTOMERS = 10_000;
const SEED = 20261203;
const MODEL = 'bench';
const SEGMENTS = ['bronze', 'silver', 'gold', 'platinum', 'none'];
const REGIONS = ['north', 'south', 'east', 'west', 'centre', 'coast', 'islands', 'abroad'];
const MB = 1024 * 1024;

interface Customer {
  id: string;
  attributes: Record<string, string | number | boolean>;
  responded: boolean;
}

/** Customer i of the synthetic population: the same for every size and every run. */
function customerAt(i: number, random: Random): Customer {
  const age = Math.round(18 + random.next() * 62);
  const income = Math.round(Math.exp(10 + 0.5 * random.normal()));
  const tenure = Math.round(random.next() * 15 * 10) / 10;
  const visits = Math.floor(-Math.log(1 - random.next()) * 4);
  const segment = SEGMENTS[random.int(SEGMENTS.length)];
  const region = REGIONS[random.int(REGIONS.length)];
  const member = random.next() < 0.35;
  const z =
    -3 +
    0.02 * (age - 45) +
    0.4 * Math.log(income / 22_000) +
    0.08 * tenure +
    0.15 * visits +
    (member ? 0.6 : 0) +
    (segment === 'gold' || segment === 'platinum' ? 0.5 : 0) +
    0.5 * random.normal();

  return {
    id: `c${String(i).padStart(8, '0')}`,
    attributes: { age, income, tenure, visits, segment, region, member },
    responded: random.next() < 1 / (1 + Math.exp(-z)),
  };
}

function benchConfig(databaseFile: string): AppConfig {
  return loadConfig(
    { BULLSEYE_LOG_LEVEL: 'warn' },
    { dataDir: path.dirname(databaseFile), databaseFile, dispatcherEnabled: false },
  );
}

/** Fills a database: 10,000 labelled customers imported and trained on, the rest inserted. */
async function seed(databaseFile: string, size: number): Promise<void> {
  const context = await createContext(benchConfig(databaseFile));
  try {
    const random = createRandom(SEED);
    const csv = path.join(path.dirname(databaseFile), 'training.csv');
    const columns = ['customer_id', 'age', 'income', 'tenure', 'visits', 'segment', 'region'];
    const lines = [[...columns, 'member', 'responded'].join(',')];
    const trainingSize = Math.min(size, TRAINING_CUSTOMERS);
    for (let i = 1; i <= trainingSize; i++) {
      const c = customerAt(i, random);
      const a = c.attributes;
      lines.push(
        [c.id, a.age, a.income, a.tenure, a.visits, a.segment, a.region, a.member, c.responded]
          .map(String)
          .join(','),
      );
    }
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    const dataset = await context.get(DatasetsService).importFile({
      file: csv,
      name: 'training',
      target: 'responded',
      positiveLabel: 'true',
      idColumn: 'customer_id',
    });
    const models = context.get(ModelsService);
    const job = await models.train(MODEL, {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    const done = await models.waitForJob(job.id);
    if (done.status !== 'succeeded') {
      throw new Error(`Training failed: ${JSON.stringify(done.error)}`);
    }

    // The others are customers without an outcome yet, as a scoring run meets them.
    const db = context.get(DataSource);
    const now = new Date().toISOString();
    const perStatement = 500;
    for (let start = trainingSize + 1; start <= size; start += 50_000) {
      const end = Math.min(size, start + 50_000 - 1);
      await db.transaction(async (manager) => {
        for (let first = start; first <= end; first += perStatement) {
          const last = Math.min(end, first + perStatement - 1);
          const params: string[] = [];
          for (let i = first; i <= last; i++) {
            const c = customerAt(i, random);
            params.push(c.id, JSON.stringify(c.attributes), now, now);
          }
          await manager.query(
            `INSERT INTO customers (id, attributes, created_at, updated_at) VALUES ` +
              new Array(last - first + 1).fill('(?, ?, ?, ?)').join(', '),
            params,
          );
        }
      });
    }
  } finally {
    await context.close();
  }
}

interface Measurement {
  customers: number;
  seconds: number;
  rssBeforeMb: number;
  /** Highest RSS sampled during the run. */
  peakRssMb: number;
  /** Highest RSS of the whole process, start-up included (getrusage). */
  maxRssMb: number;
  /** Largest heap still in use after a full collection at each quarter of a second run. */
  retainedHeapMb: number;
  meanProbability: number;
}

/**
 * Scores every customer of a filled database twice: once as it runs in production, for
 * speed and RSS; once with a full garbage collection at each quarter of the customers, for
 * the memory the run really holds (RSS also counts garbage V8 has not collected yet).
 */
async function score(databaseFile: string): Promise<Measurement> {
  const context = await createContext(benchConfig(databaseFile));
  try {
    const scoring = context.get(ScoringService);
    const [{ n }] = await context.get(DataSource).query('SELECT COUNT(*) AS n FROM customers');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const sampler = setInterval(sample, 20);

    const started = performance.now();
    const run = await scoring.scoreAll({ modelName: MODEL, onProgress: sample });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const maxRssMb = (process.resourceUsage().maxRSS * 1024) / MB;

    let retained = 0;
    let nextQuarter = 1;
    await scoring.scoreAll({
      modelName: MODEL,
      onProgress: ({ customersRead }) => {
        if (customersRead >= (Number(n) * nextQuarter) / 4) {
          nextQuarter++;
          global.gc?.();
          retained = Math.max(retained, process.memoryUsage().heapUsed);
        }
      },
    });

    return {
      customers: run.customersScored,
      seconds,
      rssBeforeMb: rssBefore / MB,
      peakRssMb: peak / MB,
      maxRssMb,
      retainedHeapMb: retained / MB,
      meanProbability: run.summary?.meanProbability ?? NaN,
    };
  } finally {
    await context.close();
  }
}

/** Runs this file again as a child for one step, so each step has a process of its own. */
function child(args: string[], nodeFlags: string[] = []): string {
  const result = spawnSync(
    process.execPath,
    [...nodeFlags, '--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MB },
  );
  if (result.status !== 0) {
    throw new Error(`${args[0]} failed with exit code ${result.status}`);
  }

  return result.stdout.trim().split('\n').pop() ?? '';
}

async function main(): Promise<void> {
  const [step, databaseFile, size] = process.argv.slice(2);
  if (step === '--seed') {
    await seed(databaseFile, Number(size));

    return;
  }
  if (step === '--score') {
    console.log(JSON.stringify(await score(databaseFile)));

    return;
  }

  const sizes = process.argv.slice(2).map(Number);
  const results: { oldSpace: string; measured: Measurement }[] = [];
  for (const n of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-score-bench-'));
    try {
      const file = path.join(dir, 'bullseye.sqlite');
      const seedStart = performance.now();
      child(['--seed', file, String(n)]);
      const seedSeconds = (performance.now() - seedStart) / 1000;
      console.log(
        `${n} customers: filled in ${seedSeconds.toFixed(1)} s, ` +
          `database ${(fs.statSync(file).size / MB).toFixed(0)} MB before scoring`,
      );
      // V8 as configured by default, then with its old space capped: a run that held more
      // than the cap would fail, so finishing under it shows the memory is bounded.
      for (const [oldSpace, flags] of OLD_SPACE_SETTINGS) {
        const measured = JSON.parse(child(['--score', file], flags)) as Measurement;
        results.push({ oldSpace, measured });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  printTable(results);
}

const OLD_SPACE_SETTINGS: [string, string[]][] = [
  ['default', []],
  ['128 MB', ['--max-old-space-size=128']],
];

function printTable(results: { oldSpace: string; measured: Measurement }[]): void {
  console.log('');
  console.log(
    'customers  old space  seconds  customers/s  RSS before MB  peak RSS MB  max RSS MB  ' +
      'retained heap MB  mean score',
  );
  for (const { oldSpace, measured: r } of results) {
    console.log(
      [
        String(r.customers).padStart(9),
        oldSpace.padStart(10),
        r.seconds.toFixed(1).padStart(8),
        String(Math.round(r.customers / r.seconds)).padStart(12),
        r.rssBeforeMb.toFixed(0).padStart(14),
        r.peakRssMb.toFixed(0).padStart(12),
        r.maxRssMb.toFixed(0).padStart(11),
        r.retainedHeapMb.toFixed(0).padStart(17),
        r.meanProbability.toFixed(4).padStart(11),
      ].join(' '),
    );
  }

  console.log('');
  for (const [oldSpace] of OLD_SPACE_SETTINGS) {
    const runs = results.filter((r) => r.oldSpace === oldSpace).map((r) => r.measured);
    if (runs.length < 2) continue;
    const first = runs[0];
    const last = runs[runs.length - 1];
    console.log(
      `old space ${oldSpace}: peak RSS at ${last.customers} / at ${first.customers} = ` +
        `${(last.peakRssMb / first.peakRssMb).toFixed(2)}, max RSS ` +
        `${(last.maxRssMb / first.maxRssMb).toFixed(2)}, retained heap ` +
        `${(last.retainedHeapMb / first.retainedHeapMb).toFixed(2)}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
