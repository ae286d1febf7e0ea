/**
 * The real-time routes under load: `POST /score` and `POST /decide` (dryRun) on one instance
 * (`bullseye serve` in a child process, with a model trained on bank.csv and an active
 * campaign), 200 connections for 30 s each, from autocannon on 127.0.0.1. Prints requests/s,
 * p50 and p99 latency, the errors and the server's CPU time a request, beside the target (p99
 * under 50 ms for /score). The reference is the floor (bench/load-floor.ts): NestJS on Fastify
 * with one constant route, loaded the same way on the same machine, so the figures come with
 * their ratios to what the framework alone manages here.
 *
 *   npm run bench:load -- [--connections 200] [--seconds 30] [--cpu-prof /tmp/profiles]
 *
 * --cpu-prof writes a CPU profile of the server (one .cpuprofile file) to that folder;
 * --only score (or decide) loads one route.
 *
 * The requests carry an API key of the marketer role, as a caller's would. The rate limit is
 * off (BULLSEYE_RATE_LIMIT=0): the benchmark measures the service, not the limiter. The
 * server logs as it would in production, one line a request, to a file; the benchmark counts
 * the lines and fails when there are fewer than answers. autocannon sends the 100 bodies in
 * turn, from request buffers it builds once.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as ts from 'typescript';
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
  requests: LoadRequest[];
}) => Promise<LoadResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

const ROOT = path.resolve(__dirname, '..');
const BANK = path.resolve(ROOT, '../shared/data/bank-marketing/bank.csv');
const FLOOR = path.join(__dirname, 'load-floor.ts');
const FLOOR_BUILT = path.join(ROOT, 'dist/bench/load-floor.js');
const TARGET_P99_MS = 50;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);

  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

function textOption(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);

  return at === -1 ? undefined : path.resolve(process.argv[at + 1] ?? 'profiles');
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

/**
 * Compiles the server (`npm run build`, as for `npm run start:prod`) and the floor, so both
 * run as built JavaScript. Run from the TypeScript sources, ts-node loads Node's REPL, whose
 * `domain` module wraps every EventEmitter call: ~10% of the server's time under this load.
 */
function build(): void {
  console.log('Building the server (npm run build) and the floor');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const source = fs.readFileSync(FLOOR, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  fs.mkdirSync(path.dirname(FLOOR_BUILT), { recursive: true });
  fs.writeFileSync(FLOOR_BUILT, outputText);
}

/** `bullseye serve` on `port`, built; resolves once it listens. Its log goes to `log`. */
function serve(
  dataDir: string,
  port: number,
  log: string,
  profiles?: string,
): Promise<ChildProcess> {
  const profiling = profiles ? ['--cpu-prof', '--cpu-prof-dir', profiles] : [];
  const args = ['serve', '--port', String(port), '--data-dir', dataDir];

  return start([...profiling, path.join(ROOT, 'dist/src/cli/main.js'), ...args], log, {
    BULLSEYE_HOST: '127.0.0.1',
    BULLSEYE_RATE_LIMIT: '0',
    BULLSEYE_DISPATCHER_ENABLED: 'false',
    BULLSEYE_SCHEDULER_ENABLED: 'false',
  });
}

/** The framework alone (bench/load-floor.ts, built) on `port`. */
function serveFloor(port: number, log: string): Promise<ChildProcess> {
  return start([FLOOR_BUILT, String(port)], log, {});
}

/**
 * A node process that prints "listening on" once it listens. Its stderr goes to a file, as a
 * service's log would: read through a pipe, every request line would cost the load
 * generator, on the same 2 cores, CPU time of its own.
 */
async function start(
  args: string[],
  log: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const fd = fs.openSync(log, 'w');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', fd],
  });
  fs.closeSync(fd);
  await new Promise<void>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.includes('listening on')) resolve();
    });
    child.once('exit', (code) => {
      const end = fs.readFileSync(log, 'utf8').slice(-8192);
      reject(new Error(`${args.at(-1)} ended (code ${code}): ${end}`));
    });
  });

  return child;
}

/** The `request completed` lines in a server's log. */
function requestLines(log: string): number {
  return fs.readFileSync(log, 'utf8').split('"msg":"request completed"').length - 1;
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (child && child.exitCode === null) {
    const stopped = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await stopped;
  }
}

async function load(
  url: string,
  route: string,
  bodies: string[],
  key: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };

  // Built once: each connection sends the bodies in turn, from prebuilt request buffers, so
  // the load generator spends on the 2 cores as little as it can.
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({ method: 'POST', path: route, headers, body })),
  });
}

/** CPU seconds a process has used (user + system), from /proc; null where there is none. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

    // utime and stime are fields 14 and 15 of stat, counted in clock ticks (100 a second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function line(route: string, result: LoadResult, cpu: number | null, target?: number): string {
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
    `${errors} errors (${result.non2xx} non-2xx, ${result.timeouts} timeouts)` +
    (cpu === null
      ? ''
      : `, server CPU ${((cpu / result.requests.total) * 1e6).toFixed(0)} µs a request`) +
    verdict
  );
}

interface Measured {
  readonly name: string;
  readonly result: LoadResult;
  /** CPU seconds the server used meanwhile. */
  readonly cpu: number | null;
  readonly target?: number;
  /** Answers autocannon counted, warm-up included. */
  readonly answered: number;
}

/** A warm-up of 20 connections for 3 s, then the load itself, with the server's CPU time. */
async function measure(
  server: ChildProcess,
  url: string,
  route: { name: string; route: string; bodies: string[]; target?: number },
  key: string,
  connections: number,
  seconds: number,
): Promise<Measured> {
  const warmUp = await load(url, route.route, route.bodies, key, 20, 3);
  const before = cpuSeconds(server.pid);
  const result = await load(url, route.route, route.bodies, key, connections, seconds);
  const after = cpuSeconds(server.pid);

  return {
    name: route.name,
    target: route.target,
    result,
    cpu: before === null || after === null ? null : after - before,
    answered: warmUp.requests.total + result.requests.total,
  };
}

/** Bullseye's /score as a multiple of the framework alone answering the same requests. */
function ratios(score: Measured, floor: Measured): string {
  const perRequest = (m: Measured) => (m.cpu === null ? NaN : m.cpu / m.result.requests.total);
  const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');

  return (
    'POST /score against the floor: ' +
    `requests/s ${times(score.result.requests.average / floor.result.requests.average)}, ` +
    `p50 ${times(score.result.latency.p50 / floor.result.latency.p50)}, ` +
    `p99 ${times(score.result.latency.p99 / floor.result.latency.p99)}, ` +
    `server CPU a request ${times(perRequest(score) / perRequest(floor))}`
  );
}

async function main(): Promise<void> {
  const connections = option('connections', 200);
  const seconds = option('seconds', 30);
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
  if (only !== undefined && only !== 'score' && only !== 'decide') {
    throw new Error(`--only takes score or decide, not "${only}"`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-load-'));
  let server: ChildProcess | null = null;
  try {
    console.log(`Preparing ${dataDir}: bank.csv, a logistic champion, a campaign, an API key`);
    const { key, customers } = await prepare(dataDir);
    const scores = customers.map((customer) => JSON.stringify({ model: 'bank', customer }));
    const decisions = customers.map((attributes) =>
      JSON.stringify({ customer: { attributes }, dryRun: true }),
    );
    const routes = [
      { name: 'POST /score', route: '/score', bodies: scores, target: TARGET_P99_MS },
      { name: 'POST /decide', route: '/decide', bodies: decisions },
    ].filter(({ route }) => only === undefined || route === `/${only}`);

    build();
    console.log(`${connections} connections for ${seconds} s a route, after 3 s of warm-up`);
    const port = await freePort();
    const log = path.join(dataDir, 'server.log');
    server = await serve(dataDir, port, log, textOption('cpu-prof'));
    const results: Measured[] = [];
    for (const route of routes) {
      results.push(
        await measure(server, `http://127.0.0.1:${port}`, route, key, connections, seconds),
      );
    }
    await stop(server);
    const logged = requestLines(log);

    const floorPort = await freePort();
    server = await serveFloor(floorPort, path.join(dataDir, 'floor.log'));
    const floorRoute = { name: 'floor POST /score', route: '/score', bodies: scores };
    const floor = await measure(
      server,
      `http://127.0.0.1:${floorPort}`,
      floorRoute,
      key,
      connections,
      seconds,
    );
    await stop(server);

    for (const { name, result, cpu, target } of [...results, floor]) {
      console.log(line(name, result, cpu, target));
      if (result.errors + result.timeouts + result.non2xx > 0) {
        process.exitCode = 1;
      }
    }
    const score = results.find((m) => m.name === 'POST /score');
    if (score) {
      console.log(ratios(score, floor));
    }
    // The log is part of the service measured: a line for every request. autocannon counts
    // the answers it had when it stopped; those still on their way have lines too.
    const answered = results.reduce((sum, m) => sum + m.answered, 0);
    console.log(
      `Server log: ${logged} request lines for ${answered} answers counted (warm-ups included)`,
    );
    if (logged < answered) {
      process.exitCode = 1;
    }
  } finally {
    await stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
