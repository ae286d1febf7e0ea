/**
 * One real campaign run over a large synthetic customer base (seeded), end to end on the
 * embedded SQLite store: a logistic model trained on the first 20,000 customers and
 * promoted, a campaign of 20 rules (three conditions each over score, score_decile and
 * attributes; the four action types; several priorities) with a 10% holdout and an email
 * frequency cap, an endpoint per action type, and one run through CampaignRunsService that
 * scores, decides and writes decisions, contacts and the outbox, a transaction per batch.
 *
 * Each step has a process of its own, so that a run's peak RSS is that of the run alone:
 * filling the database, comparing the compiled rules with json-rules-engine's Engine.run on
 * the facts the run builds, and the run (after a batch scoring run that stores every score,
 * for the end-to-end figure; the campaign run scores again as it goes). A second, smaller
 * base gives the peak RSS ratio. Where a run's time goes comes from timing the service calls
 * it makes per batch (loading, scoring, reading contacts, deciding, planning the outbox) and
 * from how busy the main thread was. The run works on the next batches while SQLite writes
 * one on a thread of its own, so these steps overlap the writes, and each other's waits: a
 * step's wall time includes waiting for SQLite, and its CPU time is the whole process's.
 *
 *   npm run bench:campaign                        1,000,000 customers, 100,000 for the ratio
 *   npm run bench:campaign -- 200000              another number of customers
 *   npm run bench:campaign -- 1000000 --baseline 0 --compare 20000 --batch 5000
 *   npm run bench:campaign -- 1000000 --cpu-prof /tmp/profiles    profile the run's process
 *
 * --compare sets how many customers Engine.run decides too (2,000 to 5,000 a second: 100,000
 * take up to a minute); --baseline the size of the smaller base (0 leaves it out).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine, RuleProperties } from 'json-rules-engine';
import { DataSource } from 'typeorm';
import { INestApplicationContext } from '@nestjs/common';
import { createContext } from '../src/app';
import { createRandom, Random } from '../src/common/random';
import { AppConfig, loadConfig } from '../src/config/config';
import { CampaignRunsService } from '../src/modules/campaigns/campaign-runs.service';
import { CampaignsService } from '../src/modules/campaigns/campaigns.service';
import { loadContacts } from '../src/modules/campaigns/contact-history';
import { factsOf } from '../src/modules/campaigns/decision-core';
import type { ActionType, CampaignRule, RuleCondition } from '../src/modules/campaigns/rules';
import { SimulationService } from '../src/modules/campaigns/simulation.service';
import { DatasetsService } from '../src/modules/datasets/datasets.service';
import { syntheticCustomers } from '../src/modules/datasets/synthetic';
import { DeliveryService } from '../src/modules/delivery/delivery.service';
import { EndpointService } from '../src/modules/delivery/endpoint.service';
import { ModelsService } from '../src/modules/models/models.service';
import { ScoringService } from '../src/modules/scoring/scoring.service';

const SEED = 20261204;
const MODEL = 'bench-response';
const TRAINING_CUSTOMERS = 20_000;
const RULES = 20;
const ACTIONS: readonly ActionType[] = ['email', 'ad', 'promo', 'social'];
/** Share of customers contacted (by an earlier campaign) in the 20 days before the run. */
const CONTACTED_SHARE = 0.25;
const COMPILED_ROUNDS = 5;
const MB = 1024 * 1024;

const TARGETS = {
  customersPerSecond: 20_000,
  peakRssMb: 1024,
  ruleRatio: 50,
};

interface Options {
  customers: number;
  baseline: number;
  compare: number;
  batchSize?: number;
  cpuProf?: string;
}

function parseOptions(args: readonly string[]): Options {
  const count = (text: string | undefined, name: string, min: number): number => {
    const value = Number(String(text).replace(/_/g, ''));
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`${name} must be a whole number of at least ${min}, not "${text}".`);
    }

    return value;
  };
  const options: Options = { customers: 1_000_000, baseline: 100_000, compare: 100_000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--baseline') options.baseline = count(args[++i], '--baseline', 0);
    else if (arg === '--compare') options.compare = count(args[++i], '--compare', 1);
    else if (arg === '--batch') options.batchSize = count(args[++i], '--batch', 1);
    else if (arg === '--cpu-prof') options.cpuProf = path.resolve(args[++i] ?? 'profiles');
    else options.customers = count(arg, 'The number of customers', TRAINING_CUSTOMERS);
  }
  options.compare = Math.min(options.compare, options.customers);

  return options;
}

function benchConfig(databaseFile: string): AppConfig {
  return loadConfig(
    { BULLSEYE_LOG_LEVEL: 'warn' },
    {
      dataDir: path.dirname(databaseFile),
      databaseFile,
      dispatcherEnabled: false,
      // The endpoints are placeholders on 127.0.0.1 over http; nothing is sent to them.
      deliveryAllowHttp: true,
      deliveryAllowedHosts: ['127.0.0.1'],
    },
  );
}

async function withContext<T>(
  databaseFile: string,
  work: (context: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const context = await createContext(benchConfig(databaseFile));
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}

const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(items.length)];

/** One condition on a customer attribute of the synthetic base, picked at random. */
function attributeCondition(random: Random): RuleCondition {
  const choices: (() => RuleCondition)[] = [
    () => ({ fact: 'region', operator: 'in', value: ['north', 'east', 'central'] }),
    () => ({ fact: 'plan', operator: 'equal', value: pick(random, ['basic', 'plus', 'premium']) }),
    () => ({ fact: 'channel', operator: 'notIn', value: ['phone'] }),
    () => ({ fact: 'email_opt_in', operator: 'equal', value: true }),
    () => ({ fact: 'age', operator: 'greaterThanInclusive', value: 25 + random.int(35) }),
    () => ({ fact: 'visits_30d', operator: 'greaterThan', value: random.int(4) }),
    () => ({ fact: 'days_since_purchase', operator: 'lessThan', value: 20 + random.int(80) }),
    () => ({ fact: 'income', operator: 'greaterThan', value: 30_000 + 1000 * random.int(30) }),
    () => ({ fact: 'signup_date', operator: 'greaterThanInclusive', value: '2019-06-01' }),
    () => ({ fact: 'tenure_months', operator: 'greaterThanInclusive', value: random.int(60) }),
  ];

  return pick(random, choices)();
}

const PARAMS: Readonly<Record<ActionType, (rule: number) => Record<string, unknown>>> = {
  email: (rule) => ({ template: `offer-${rule}`, subject: 'A little something for you' }),
  ad: (rule) => ({ creative: `banner-${rule}`, audience: 'lookalike' }),
  promo: (rule) => ({ offer: `SAVE${5 + (rule % 4) * 5}`, validDays: 14 }),
  social: (rule) => ({ audience: `custom-${rule}`, network: 'social' }),
};

/** The campaign's rules: the same for every size and every run. */
function campaignRules(): CampaignRule[] {
  const random = createRandom(`${SEED}-rules`);

  return Array.from({ length: RULES }, (_, index) => {
    const score: RuleCondition = {
      fact: 'score',
      operator: pick(random, ['greaterThanInclusive', 'greaterThan']),
      value: Math.round((0.04 + random.next() * 0.3) * 100) / 100,
    };
    const decile: RuleCondition = {
      fact: 'score_decile',
      operator: 'lessThanInclusive',
      value: 2 + random.int(8),
    };
    const attribute = attributeCondition(random);
    const shapes: (() => CampaignRule['conditions'])[] = [
      () => ({ all: [score, decile, attribute] }),
      () => ({ all: [attribute, { any: [score, decile] }] }),
      () => ({ any: [{ all: [score, attribute] }, decile] }),
      () => ({ all: [score, { not: attribute }, decile] }),
    ];
    const type = ACTIONS[index % ACTIONS.length];

    return {
      name: `${type}-${index + 1}`,
      priority: 1 + random.int(5),
      conditions: pick(random, shapes)(),
      event: { type, params: PARAMS[type](index + 1) },
    };
  });
}

/**
 * Fills a database: the first 20,000 customers imported with their outcome and trained on,
 * the others inserted straight into `customers` (customers without an outcome yet), a
 * quarter of them contacted by an earlier campaign, four endpoints and the active campaign.
 */
async function seed(databaseFile: string, size: number): Promise<{ campaignId: string }> {
  return withContext(databaseFile, async (context) => {
    const population = syntheticCustomers({ rows: size, seed: SEED });
    const csv = path.join(path.dirname(databaseFile), 'training.csv');
    const header = [
      'customer_id',
      'age',
      'income',
      'tenure_months',
      'region',
      'channel',
      'plan',
      'visits_30d',
      'days_since_purchase',
      'email_opt_in',
      'signup_date',
      'responded',
    ] as const;
    const lines = [header.join(',')];
    for (let i = 0; i < TRAINING_CUSTOMERS; i++) {
      const customer = population.next().value as Record<(typeof header)[number], unknown>;
      lines.push(header.map((column) => String(customer[column] ?? '')).join(','));
    }
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    const dataset = await context.get(DatasetsService).importFile({
      file: csv,
      name: 'training',
      target: 'responded',
      positiveLabel: 'yes',
      idColumn: 'customer_id',
    });
    const models = context.get(ModelsService);
    const job = await models.train(MODEL, {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    const trained = await models.waitForJob(job.id);
    if (trained.status !== 'succeeded') {
      throw new Error(`Training failed: ${JSON.stringify(trained.error)}`);
    }

    const db = context.get(DataSource);
    const now = Date.now();
    const stamp = new Date(now).toISOString();
    const random = createRandom(`${SEED}-contacts`);
    const perStatement = 1000;
    let rows: unknown[] = [];
    let contacts: unknown[] = [];
    const flush = async () => {
      await db.transaction(async (manager) => {
        for (let at = 0; at < rows.length; at += perStatement * 4) {
          const chunk = rows.slice(at, at + perStatement * 4);
          await manager.query(
            'INSERT INTO customers (id, attributes, created_at, updated_at) VALUES ' +
              new Array(chunk.length / 4).fill('(?, ?, ?, ?)').join(', '),
            chunk,
          );
        }
        for (let at = 0; at < contacts.length; at += perStatement * 5) {
          const chunk = contacts.slice(at, at + perStatement * 5);
          await manager.query(
            'INSERT INTO contacts (decision_id, customer_id, action, campaign_id, at) VALUES ' +
              new Array(chunk.length / 5).fill('(?, ?, ?, ?, ?)').join(', '),
            chunk,
          );
        }
      });
      rows = [];
      contacts = [];
    };
    let index = TRAINING_CUSTOMERS;
    for (const customer of population) {
      // Customers without an outcome yet, as a run meets them.
      const { customer_id: id, responded: _responded, ...attributes } = customer;
      rows.push(id, JSON.stringify(attributes), stamp, stamp);
      if (random.next() < CONTACTED_SHARE) {
        const at = new Date(now - random.next() * 20 * 86_400_000).toISOString();
        contacts.push(`earlier-${index}`, id, pick(random, ACTIONS), 'earlier-campaign', at);
      }
      index++;
      if (rows.length >= 50_000 * 4) await flush();
    }
    await flush();

    const endpoints = context.get(EndpointService);
    for (const type of ACTIONS) {
      await endpoints.create({
        name: `${type} integration`,
        url: `http://127.0.0.1:9/${type}`,
        actionTypes: [type],
      });
    }
    const campaigns = context.get(CampaignsService);
    const campaign = await campaigns.create({
      name: 'bench-campaign',
      modelName: MODEL,
      rules: campaignRules(),
      holdoutShare: 0.1,
      frequencyCaps: [{ action: 'email', max: 1, windowDays: 7 }],
    });
    await campaigns.transition(campaign.id, 'activate');

    return { campaignId: campaign.id };
  });
}

/** Wall-clock and CPU time of stretches of work, in milliseconds. */
class Stopwatch {
  wallMs = 0;
  cpuMs = 0;
  private wallStart = 0;
  private cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };

  start(): void {
    this.wallStart = performance.now();
    this.cpuStart = process.cpuUsage();
  }

  stop(): void {
    const cpu = process.cpuUsage(this.cpuStart);
    this.wallMs += performance.now() - this.wallStart;
    this.cpuMs += (cpu.user + cpu.system) / 1000;
  }

  async time<T>(work: () => Promise<T>): Promise<T> {
    this.start();
    try {
      return await work();
    } finally {
      this.stop();
    }
  }

  /** Per second of wall clock and per CPU second. */
  rates(count: number): Rates {
    return { wall: (count / this.wallMs) * 1000, cpu: (count / this.cpuMs) * 1000 };
  }
}

interface Rates {
  wall: number;
  cpu: number;
}

interface RulesMeasurement {
  compared: number;
  compiled: Rates;
  engine: Rates;
  mismatches: number;
  firedPerCustomer: number;
}

/**
 * The facts of the first `count` customers exactly as a run builds them (audience, scorer,
 * deciles, contact history), then the compiled rules and Engine.run on each of them.
 */
async function compareRules(
  databaseFile: string,
  campaignId: string,
  count: number,
): Promise<RulesMeasurement> {
  return withContext(databaseFile, async (context) => {
    const campaign = await context.get(CampaignsService).get(campaignId);
    const simulation = context.get(SimulationService);
    const decision = await simulation.prepare(campaign);
    const manager = context.get(DataSource).manager;
    const now = Date.now();
    const facts: Record<string, unknown>[] = [];
    const batches = context.get(DatasetsService).iterateCustomers({ batchSize: 2000 });
    for await (const batch of batches) {
      const scored = await simulation.scoreBatch(decision, batch.slice(0, count - facts.length));
      const ids = scored.customers.map((c) => c.id);
      const history = await loadContacts(manager, ids, now, decision.policy.lookbackDays);
      for (const customer of scored.customers) {
        const contacts = history.get(customer.id) ?? [];
        facts.push(factsOf({ ...customer, key: customer.id, contacts, suppression: null }, now));
      }
      if (facts.length >= count) break;
    }
    process.stderr.write(`  rules: facts of ${format(facts.length)} customers built\n`);

    const compiled = decision.policy.rules;
    let best: Rates = { wall: 0, cpu: 0 };
    let fired = 0;
    for (let round = 0; round <= COMPILED_ROUNDS; round++) {
      fired = 0;
      const watch = new Stopwatch();
      watch.start();
      for (let i = 0; i < facts.length; i++) fired += compiled.evaluate(facts[i]).length;
      watch.stop();
      // Round 0 warms the JIT up and is not counted.
      const rates = watch.rates(facts.length);
      if (round > 0 && rates.wall > best.wall) best = rates;
    }

    const engine = new Engine(campaign.rules as unknown as RuleProperties[], {
      allowUndefinedFacts: true,
    });
    const watch = new Stopwatch();
    const progressEvery = Math.max(1, Math.floor(facts.length / 10));
    let mismatches = 0;
    for (let i = 0; i < facts.length; i++) {
      watch.start();
      // One run at a time: concurrent run() calls on one Engine can skip rules.
      const result = await engine.run(facts[i]);
      watch.stop();
      const expected = JSON.stringify([result.results.map((r) => r.name), result.events]);
      const decided = compiled.evaluate(facts[i]);
      const actual = JSON.stringify([decided.map((d) => d.name), decided.map((d) => d.event)]);
      if (expected !== actual) {
        mismatches++;
        if (mismatches <= 3) {
          process.stderr.write(`  customer ${i} differs: engine ${expected}, ours ${actual}\n`);
        }
      }
      if ((i + 1) % progressEvery === 0) {
        const rate = format(watch.rates(i + 1).wall);
        process.stderr.write(
          `  Engine.run: ${format(i + 1)} / ${format(facts.length)} customers compared ` +
            `(${rate}/s)\n`,
        );
      }
    }

    return {
      compared: facts.length,
      compiled: best,
      engine: watch.rates(facts.length),
      mismatches,
      firedPerCustomer: fired / facts.length,
    };
  });
}

/** Where a run's time goes: the steps of its batches, summed over the run. */
interface StepTimes {
  [step: string]: { wallMs: number; cpuMs: number };
}

interface RunMeasurement {
  customers: number;
  scoring: { wallMs: number; cpuMs: number };
  run: { wallMs: number; cpuMs: number };
  steps: StepTimes;
  /** The main thread during the run: running JavaScript, or waiting (for SQLite, mostly). */
  mainThread: { busyMs: number; idleMs: number };
  /** CPU time of the main thread and of all the others (SQLite's, the collector's), if known. */
  threads: { mainMs: number; othersMs: number } | null;
  counts: Record<string, unknown>;
  rows: Record<string, number>;
  maxRssMb: number;
  databaseMb: number;
  /** The machine's 1-minute load average before and after the run. */
  loadAverage: [number, number];
}

/**
 * Times each call of `object[method]` into `steps[step]`. The run calls these services'
 * public methods one batch at a time, so the sums say where a batch's time goes.
 */
function timeCalls<T extends object>(steps: StepTimes, step: string, object: T, method: keyof T) {
  const original = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
  const watch = new Stopwatch();
  steps[step] = watch;
  (object as Record<keyof T, unknown>)[method] = (...args: unknown[]) =>
    watch.time(() => original(...args));
}

/** As `timeCalls`, for a method that returns its result at once. */
function timeSyncCalls<T extends object>(
  steps: StepTimes,
  step: string,
  object: T,
  method: keyof T,
) {
  const original = (object[method] as (...args: unknown[]) => unknown).bind(object);
  const watch = new Stopwatch();
  steps[step] = watch;
  (object as Record<keyof T, unknown>)[method] = (...args: unknown[]) => {
    watch.start();
    try {
      return original(...args);
    } finally {
      watch.stop();
    }
  };
}

/**
 * CPU milliseconds of this process's main thread and of its other threads, from Linux's
 * /proc (null elsewhere). Assumes the usual 100 clock ticks a second.
 */
function threadCpu(): { mainMs: number; othersMs: number } | null {
  try {
    let mainMs = 0;
    let othersMs = 0;
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (Number(tid) === process.pid) mainMs += ms;
      else othersMs += ms;
    }

    return { mainMs, othersMs };
  } catch {
    return null;
  }
}

/** Times how long each batch of an async generator takes to come. */
function timeBatches(steps: StepTimes, step: string, datasets: DatasetsService) {
  const original = datasets.iterateCustomers.bind(datasets);
  const watch = new Stopwatch();
  steps[step] = watch;
  datasets.iterateCustomers = async function* (args) {
    const batches = original(args);
    for (;;) {
      const next = await watch.time(() => batches.next());
      if (next.done) return;
      yield next.value;
    }
  };
}

/** A batch scoring run (every score stored), then the campaign run. */
async function runCampaign(
  databaseFile: string,
  campaignId: string,
  batchSize: number | undefined,
): Promise<RunMeasurement> {
  return withContext(databaseFile, async (context) => {
    const db = context.get(DataSource);
    const scoringWatch = new Stopwatch();
    const scored = await scoringWatch.time(() =>
      context.get(ScoringService).scoreAll({ modelName: MODEL }),
    );

    const loadBefore = os.loadavg()[0];
    const steps: StepTimes = {};
    timeBatches(steps, 'load customers (waiting behind the writes)', context.get(DatasetsService));
    const simulation = context.get(SimulationService);
    timeCalls(steps, 'audience + score', simulation, 'scoreBatch');
    timeCalls(steps, 'contacts + suppressions (read)', simulation, 'readHistory');
    timeSyncCalls(steps, 'decide', simulation, 'decideHistory');
    timeSyncCalls(steps, 'outbox (plan + build)', context.get(DeliveryService), 'plan');
    const runWatch = new Stopwatch();
    const loopBefore = performance.eventLoopUtilization();
    const threadsBefore = threadCpu();
    let reported = 0;
    const { run } = await runWatch.time(() =>
      context.get(CampaignRunsService).start({
        campaignId,
        runKey: 'bench',
        batchSize,
        onProgress: (view) => {
          if (view.counts.customers - reported >= view.customersTotal / 10) {
            reported = view.counts.customers;
            process.stderr.write(
              `  run: ${format(view.counts.customers)} / ${format(view.customersTotal)} ` +
                `customers decided\n`,
            );
          }
        },
      }),
    );
    const loop = performance.eventLoopUtilization(loopBefore);
    const threadsAfter = threadCpu();
    if (run.status !== 'succeeded') {
      throw new Error(`The run ended ${run.status}: ${JSON.stringify(run.error)}`);
    }

    const count = async (sql: string) => Number((await db.query(sql))[0].n);

    return {
      customers: run.counts.customers,
      scoring: { wallMs: scoringWatch.wallMs, cpuMs: scoringWatch.cpuMs },
      run: { wallMs: runWatch.wallMs, cpuMs: runWatch.cpuMs },
      steps: Object.fromEntries(
        Object.entries(steps).map(([step, w]) => [step, { wallMs: w.wallMs, cpuMs: w.cpuMs }]),
      ),
      mainThread: { busyMs: loop.active, idleMs: loop.idle },
      threads:
        threadsBefore && threadsAfter
          ? {
              mainMs: threadsAfter.mainMs - threadsBefore.mainMs,
              othersMs: threadsAfter.othersMs - threadsBefore.othersMs,
            }
          : null,
      counts: { ...run.counts, deliveries: run.deliveries, scored: scored.customersScored },
      rows: {
        scores: await count('SELECT COUNT(*) AS n FROM scores'),
        decisions: await count('SELECT COUNT(*) AS n FROM decisions'),
        contacts: await count(
          "SELECT COUNT(*) AS n FROM contacts WHERE campaign_id <> 'earlier-campaign'",
        ),
        deliveries: await count('SELECT COUNT(*) AS n FROM deliveries'),
        // A capped top rule makes way for the next fired rule; such customers are not "capped".
        passedCap: await count(
          "SELECT COUNT(*) AS n FROM decisions WHERE reason LIKE '%higher-priority rules capped%'",
        ),
      },
      maxRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
      databaseMb: fs.statSync(databaseFile).size / MB,
      loadAverage: [loadBefore, os.loadavg()[0]],
    };
  });
}

/** Runs this file again as a child for one step; its last line of output is the result. */
function child<T>(args: string[], nodeFlags: string[] = []): T {
  const result = spawnSync(
    process.execPath,
    [...nodeFlags, '-r', 'ts-node/register/transpile-only', __filename, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * MB },
  );
  if (result.status !== 0) {
    throw new Error(`${args[0]} failed with exit code ${result.status}`);
  }

  return JSON.parse(result.stdout.trim().split('\n').pop() ?? 'null') as T;
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

interface SizeResult {
  customers: number;
  seedSeconds: number;
  measured: RunMeasurement;
}

/** Fills a fresh database of `size` customers and runs the campaign on it. */
function measureSize(
  size: number,
  options: Options,
  beforeRun?: (file: string, campaignId: string) => void,
): SizeResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-campaign-bench-'));
  try {
    const file = path.join(dir, 'bullseye.sqlite');
    const seedStart = performance.now();
    process.stderr.write(`${format(size)} customers: filling the database\n`);
    const { campaignId } = child<{ campaignId: string }>(['--seed', file, String(size)]);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    process.stderr.write(`  filled in ${seedSeconds.toFixed(1)} s\n`);
    beforeRun?.(file, campaignId);

    const flags = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : [];
    const runArgs = ['--run', file, campaignId, String(options.batchSize ?? '')];
    process.stderr.write(`  scoring every customer, then the campaign run\n`);

    return { customers: size, seedSeconds, measured: child<RunMeasurement>(runArgs, flags) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [step, file, ...rest] = process.argv.slice(2);
  if (step === '--seed') {
    console.log(JSON.stringify(await seed(file, Number(rest[0]))));

    return;
  }
  if (step === '--rules') {
    console.log(JSON.stringify(await compareRules(file, rest[0], Number(rest[1]))));

    return;
  }
  if (step === '--run') {
    const batchSize = rest[1] ? Number(rest[1]) : undefined;
    console.log(JSON.stringify(await runCampaign(file, rest[0], batchSize)));

    return;
  }

  const options = parseOptions(process.argv.slice(2));
  let rules: RulesMeasurement | undefined;
  const large = measureSize(options.customers, options, (databaseFile, campaignId) => {
    process.stderr.write(
      `  rules: compiled vs Engine.run on the facts of ${format(options.compare)} customers\n`,
    );
    rules = child<RulesMeasurement>(['--rules', databaseFile, campaignId, String(options.compare)]);
  });
  const baseline =
    options.baseline > 0 && options.baseline !== options.customers
      ? measureSize(options.baseline, options)
      : undefined;

  report(large, baseline, rules as RulesMeasurement);
}

function report(main: SizeResult, baseline: SizeResult | undefined, rules: RulesMeasurement) {
  const sizes = baseline ? [main, baseline] : [main];
  const rate = (customers: number, ms: number) => format((customers / ms) * 1000);
  const rows: [string, ...string[]][] = [];
  const row = (label: string, values: (r: SizeResult) => string, target = '') =>
    rows.push([label, ...sizes.map(values), target]);
  const m = (r: SizeResult) => r.measured;

  const perSecond = `≥ ${format(TARGETS.customersPerSecond)}`;
  row('campaign run, customers/s (wall)', (r) => rate(m(r).customers, m(r).run.wallMs), perSecond);
  row('campaign run, customers/s (per CPU s)', (r) => rate(m(r).customers, m(r).run.cpuMs));
  row(
    'scoring run + campaign run, customers/s (wall)',
    (r) => rate(m(r).customers, m(r).run.wallMs + m(r).scoring.wallMs),
    perSecond,
  );
  row('scoring run + campaign run, customers/s (per CPU s)', (r) =>
    rate(m(r).customers, m(r).run.cpuMs + m(r).scoring.cpuMs),
  );
  row('campaign run, seconds (wall / CPU)', (r) => seconds(m(r).run));
  row('scoring run, seconds (wall / CPU)', (r) => seconds(m(r).scoring));
  for (const step of Object.keys(main.measured.steps)) {
    row(`  of the run: ${step}`, (r) => seconds(m(r).steps[step]));
  }
  row('  of the run: main thread busy / waiting, seconds (wall)', (r) =>
    [m(r).mainThread.busyMs, m(r).mainThread.idleMs]
      .map((ms) => (ms / 1000).toFixed(1))
      .join(' / '),
  );
  row('  of the run: CPU of the main thread / the others (SQLite, GC), s', (r) => {
    const threads = m(r).threads;

    return threads
      ? [threads.mainMs, threads.othersMs].map((ms) => (ms / 1000).toFixed(1)).join(' / ')
      : 'n/a';
  });
  row(
    'peak RSS of the scoring + run process, MB (maxRSS)',
    (r) => m(r).maxRssMb.toFixed(0),
    `< ${format(TARGETS.peakRssMb)}`,
  );
  if (baseline) {
    const ratio = main.measured.maxRssMb / baseline.measured.maxRssMb;
    row(`peak RSS ratio to ${format(baseline.customers)}`, (r) =>
      r === main ? ratio.toFixed(2) : '1.00',
    );
  }
  row(
    'rows: scores / decisions',
    (r) => `${format(m(r).rows.scores)} / ${format(m(r).rows.decisions)}`,
  );
  row(
    'rows: contacts / deliveries',
    (r) => `${format(m(r).rows.contacts)} / ${format(m(r).rows.deliveries)}`,
  );
  row('database, MB', (r) => m(r).databaseMb.toFixed(0));
  row('load average (1 min) before / after the run', (r) =>
    m(r)
      .loadAverage.map((l) => l.toFixed(1))
      .join(' / '),
  );
  row('filling the database, seconds', (r) => r.seedSeconds.toFixed(1));

  const c = main.measured.counts as Record<string, number>;
  console.log('');
  console.log(
    `${RULES} rules of 3 conditions, 10% holdout, email cap 1 in 7 days, ` +
      `${CONTACTED_SHARE * 100}% contacted before; ${format(main.customers)} customers: ` +
      `${format(c.actions)} actions, ${format(c.holdout)} held out, ${format(c.capped)} capped, ` +
      `${format(c.noRule)} without a rule; the email cap moved ` +
      `${format(main.measured.rows.passedCap)} (held out or not) to a lower-priority rule`,
  );
  const header: [string, ...string[]] = [
    '',
    ...sizes.map((r) => `${format(r.customers)} customers`),
    'target',
  ];
  printTable([header, ...rows]);

  const ratio = {
    wall: rules.compiled.wall / rules.engine.wall,
    cpu: rules.compiled.cpu / rules.engine.cpu,
  };
  console.log('');
  console.log(
    `rule evaluation alone, on the facts the run builds for ${format(rules.compared)} customers:`,
  );
  printTable([
    ['', 'customers/s (wall)', 'per CPU s', 'target'],
    ['compiled evaluator (best of 5)', format(rules.compiled.wall), format(rules.compiled.cpu), ''],
    ['json-rules-engine Engine.run', format(rules.engine.wall), format(rules.engine.cpu), ''],
    ['ratio', `${ratio.wall.toFixed(0)}×`, `${ratio.cpu.toFixed(0)}×`, `≥ ${TARGETS.ruleRatio}×`],
  ]);
  console.log(
    rules.mismatches === 0
      ? `decisions identical for all ${format(rules.compared)} customers: the same rules fired, ` +
          `in the same order, with the same events (${rules.firedPerCustomer.toFixed(2)} a customer)`
      : `decisions differ for ${format(rules.mismatches)} of ${format(rules.compared)} customers`,
  );

  const { customers, run, scoring } = main.measured;
  const verdicts = [
    ['run throughput', (customers / run.wallMs) * 1000 >= TARGETS.customersPerSecond],
    [
      'with scoring',
      (customers / (run.wallMs + scoring.wallMs)) * 1000 >= TARGETS.customersPerSecond,
    ],
    ['peak RSS', main.measured.maxRssMb < TARGETS.peakRssMb],
    ['rule evaluation', ratio.wall >= TARGETS.ruleRatio],
    ['identical decisions', rules.mismatches === 0],
  ] as const;
  console.log('');
  console.log(verdicts.map(([name, met]) => `${name}: ${met ? 'met' : 'MISSED'}`).join('; '));
  console.log(
    `(${os.cpus().length} cores; wall-clock figures include waiting for the CPU when other ` +
      'processes use it, the per CPU second ones do not)',
  );
  if (rules.mismatches > 0) {
    process.exitCode = 1;
  }
}

function seconds(time: { wallMs: number; cpuMs: number }): string {
  return `${(time.wallMs / 1000).toFixed(1)} / ${(time.cpuMs / 1000).toFixed(1)}`;
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  for (const r of rows) {
    console.log(
      r
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
        .join('  '),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
