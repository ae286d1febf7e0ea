/**
 * The real-time routes under load: `POST /score` and `POST /decide` (dryRun) on one instance
 * (`bullseye serve` in a child process, with a model trained on bank.csv and an active
 * campaign), 200 connections for 30 s each, from autocannon on 127.0.0.1. Prints requests/s,
 * p50 and p99 latency and the errors, beside the target (p99 under 50 ms for /score).
 *
 *   npm run bench:load -- [--connections 200] [--seconds 30]
 *
 * The requests carry an API key of the marketer role, as a caller's would. The rate limit is
 * off (BULLSEYE_RATE_LIMIT=0): the benchmark measures the service, not the limiter.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { createContext } from '../src/app';
import { loadConfig } from '../src/config/config';
import { ApiKeysService } from '../src/modules/access/api-keys.service';
import { CampaignsService } from '../src/modules/campaigns/campaigns.service';
import { DatasetsService } from '../src/modules/datasets/datasets.service';
import { ModelsService } from '../src/modules/models/models.service';

/** What this benchmark reads of an autocannon result (the package ships no types). */
interface LoadResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

interface LoadRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { setupRequest: (request: LoadRequest) => LoadRequest }[];
}) => Promise<LoadResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

const ROOT = path.resolve(__dirname, '..');
const BANK = path.resolve(ROOT, '../shared/data/bank-marketing/bank.csv');
const TARGET_P99_MS = 50;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);

  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A data folder with bank.csv, a champion for model `bank`, a campaign and a key. */
async function prepare(dataDir: string): Promise<{ key: string; customers: object[] }> {
  const context = await createContext(
    loadConfig({ BULLSEYE_LOG_LEVEL: 'warn' }, { dataDir, dispatcherEnabled: false }),
  );
  try {
    const dataset = await context.get(DatasetsService).importFile({
      file: BANK,
      name: 'bank',
      target: 'y',
      positiveLabel: 'yes',
      exclude: ['duration'],
    });
    const models = context.get(ModelsService);
    const job = await models.train('bank', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    if ((await models.waitForJob(job.id)).status !== 'succeeded') {
      throw new Error('Training the bank model failed');
    }
    const campaigns = context.get(CampaignsService);
    const campaign = await campaigns.create({
      name: 'load',
      modelName: 'bank',
      holdoutShare: 0.1,
      frequencyCaps: [{ action: 'email', max: 2, windowDays: 7 }],
      rules: [
        {
          name: 'likely',
          priority: 10,
          conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0.3 }] },
          event: { type: 'email', params: { template: 'offer' } },
        },
        {
          name: 'managers',
          priority: 5,
          conditions: {
            all: [
              { fact: 'job', operator: 'in', value: ['management', 'admin.'] },
              { fact: 'balance', operator: 'greaterThan', value: 1000 },
            ],
          },
          event: { type: 'promo', params: { offer: 'rate' } },
        },
      ],
    });
    await campaigns.transition(campaign.id, 'activate');
    const key = await context.get(ApiKeysService).create({ name: 'load', role: 'marketer' });
    const training = await context.get(DatasetsService).loadTrainingSet(dataset.id);
    // 100 real customers' attributes, sent in turn.
    const customers = training.records.filter((_, i) => i % 45 === 0).slice(0, 100);

    return { key: key.key, customers };
  } finally {
    await context.close();
  }
}

/** `bullseye serve` on `port`; resolves once it listens. Its request log is read and dropped. */
async function serve(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/bullseye.js'), 'serve', '--port', String(port), '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BULLSEYE_HOST: '127.0.0.1',
        BULLSEYE_RATE_LIMIT: '0',
        BULLSEYE_DISPATCHER_ENABLED: 'false',
        BULLSEYE_SCHEDULER_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve ended (code ${code}): ${stderr}`)));
  });

  return child;
}

async function load(
  url: string,
  route: string,
  bodies: string[],
  key: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  let next = 0;

  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          method: 'POST',
          path: route,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: bodies[next++ % bodies.length],
        }),
      },
    ],
  });
}

function line(route: string, result: LoadResult, target?: number): string {
  const errors = result.errors + result.timeouts + result.non2xx;
  const verdict =
    target === undefined
      ? ''
      : `   target p99 < ${target} ms: ${result.latency.p99 < target ? 'met' : 'NOT met'}`;

  const ms = (value: number, width: number): string => `${String(value).padStart(width)} ms`;

  return (
    `${route.padEnd(16)} ${result.requests.average.toFixed(0).padStart(7)} req/s   ` +
    `p50 ${ms(result.latency.p50, 4)}   p99 ${ms(result.latency.p99, 4)}   ` +
    `max ${ms(result.latency.max, 5)}   ${result.requests.total} requests, ` +
    `${errors} errors (${result.non2xx} non-2xx, ${result.timeouts} timeouts)${verdict}`
  );
}

async function main(): Promise<void> {
  const connections = option('connections', 200);
  const seconds = option('seconds', 30);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-load-'));
  let server: ChildProcess | null = null;
  try {
    console.log(`Preparing ${dataDir}: bank.csv, a logistic champion, a campaign, an API key`);
    const { key, customers } = await prepare(dataDir);
    const port = await freePort();
    server = await serve(dataDir, port);
    const url = `http://127.0.0.1:${port}`;
    const scores = customers.map((customer) => JSON.stringify({ model: 'bank', customer }));
    const decisions = customers.map((attributes) =>
      JSON.stringify({ customer: { attributes }, dryRun: true }),
    );

    console.log(`Warming up, then ${connections} connections for ${seconds} s a route`);
    await load(url, '/score', scores, key, 20, 3);
    await load(url, '/decide', decisions, key, 20, 3);
    const score = await load(url, '/score', scores, key, connections, seconds);
    const decide = await load(url, '/decide', decisions, key, connections, seconds);

    console.log(line('POST /score', score, TARGET_P99_MS));
    console.log(line('POST /decide', decide));
    if (score.errors + score.timeouts + score.non2xx + decide.errors + decide.non2xx > 0) {
      process.exitCode = 1;
    }
  } finally {
    if (server && server.exitCode === null) {
      const stopped = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await stopped;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
