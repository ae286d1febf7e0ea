import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/config';
import type { RunView } from '../../src/modules/campaigns/campaign-run.entity';
import { createContext } from '../../src/app';
import { inTransaction } from '../../src/database/unit-of-work';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';
import { SuppressionsService } from '../../src/modules/campaigns/suppressions.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { sharedData, startTestApp } from '../support/app';

type Http = ReturnType<typeof request>;

/** An app on a fresh SQLite file with one dataset imported and a logistic champion. */
async function bankApp(file: string): Promise<{
  app: INestApplication;
  config: AppConfig;
  http: Http;
  db: DataSource;
  customers: number;
}> {
  const { app, config } = await startTestApp({ dispatcherEnabled: false });
  const http = request(app.getHttpServer());
  const dataset = await app.get(DatasetsService).importFile({
    file: sharedData('bank-marketing', file),
    name: 'bank',
    target: 'y',
    positiveLabel: 'yes',
    exclude: ['duration'],
  });
  const models = app.get(ModelsService);
  const job = await models.train('bank', {
    datasetId: dataset.id,
    plugins: [{ id: 'logistic' }],
    promote: 'best',
  });
  expect((await models.waitForJob(job.id)).status).toBe('succeeded');
  // Every action type is routed, one delivery per action; the dispatcher is off.
  await http
    .post('/endpoints')
    .send({ name: 'all', url: 'http://127.0.0.1:9/hook', actionTypes: ['email', 'ad', 'promo'] })
    .expect(201);
  const db = app.get(DataSource);

  return {
    app,
    config,
    http,
    db,
    customers: await count(db, 'SELECT COUNT(*) AS n FROM customers'),
  };
}

async function count(db: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query(sql, params);

  return Number(row.n);
}

async function activeCampaign(http: Http, body: Record<string, unknown>): Promise<string> {
  const created = await http
    .post('/campaigns')
    .send({ modelName: 'bank', ...body })
    .expect(201);
  await http.post(`/campaigns/${created.body.id}/activate`).expect(200);

  return created.body.id as string;
}

const atLeast = (fact: string, value: number) => ({
  fact,
  operator: 'greaterThanInclusive',
  value,
});

const everyone = { all: [atLeast('score', 0)] };

async function customersWith(db: DataSource, runId: string, status: string): Promise<string[]> {
  const rows: { customer_id: string }[] = await db.query(
    'SELECT customer_id FROM decisions WHERE run_id = ? AND status = ? ORDER BY customer_id',
    [runId, status],
  );

  return rows.map((r) => r.customer_id);
}

describe('campaign runs on bank-full (45,211 customers)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let http: Http;
  let db: DataSource;
  let customers: number;
  let campaignId: string;

  beforeAll(async () => {
    ({ app, config, http, db, customers } = await bankApp('bank-full.csv'));
    campaignId = await activeCampaign(http, {
      name: 'term-deposit',
      holdoutShare: 0.1,
      frequencyCaps: [{ action: 'email', max: 1, windowDays: 7 }],
      rules: [
        {
          name: 'likely',
          priority: 10,
          conditions: { all: [atLeast('score', 0.2)] },
          event: { type: 'email', params: { template: 'offer' } },
        },
        {
          name: 'upper-half',
          priority: 5,
          conditions: { all: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 5 }] },
          event: { type: 'ad', params: { creative: 'banner' } },
        },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  const runs: RunView[] = [];

  it('simulates exactly what the run then does, twice (the second run meets the caps)', async () => {
    for (const key of ['week-1', 'week-2']) {
      const before = await count(db, 'SELECT COUNT(*) AS n FROM decisions');
      const simulation = await http.post(`/campaigns/${campaignId}/simulate`).send({}).expect(200);
      expect(await count(db, 'SELECT COUNT(*) AS n FROM decisions')).toBe(before);

      const run = await http
        .post(`/campaigns/${campaignId}/runs`)
        .send({ runKey: key })
        .expect(201);

      expect(run.body.status).toBe('succeeded');
      expect(run.body.counts.customers).toBe(customers);
      expect(simulation.body.counts).toEqual(run.body.counts);
      expect(simulation.body.sample).toHaveLength(20);
      runs.push(run.body);
    }
    const [first, second] = runs;
    // Everyone emailed in week 1 is over the email cap in week 2 and gets the ad instead.
    expect(first.counts.byAction.email).toBeGreaterThan(1000);
    expect(second.counts.byAction.email).toBe(0);
    expect(second.counts.byAction.ad).toBeGreaterThan(first.counts.byAction.ad);
  });

  it('holds out 10% ± 1 point, the same customers in both runs', async () => {
    const [first, second] = await Promise.all(runs.map((r) => customersWith(db, r.id, 'holdout')));
    const share = first.length / customers;

    expect(Math.abs(share - 0.1)).toBeLessThan(0.01);
    expect(second).toEqual(first);
    const delivered = await count(
      db,
      `SELECT COUNT(*) AS n FROM contacts c JOIN decisions d ON d.id = c.decision_id
        WHERE d.holdout = 1`,
    );
    expect(delivered).toBe(0);
  });

  it('resumes a run killed mid-way with no customer decided twice and none missing', async () => {
    const crashId = await activeCampaign(http, {
      name: 'crash',
      holdoutShare: 0.05,
      rules: [{ name: 'all', conditions: everyone, event: { type: 'promo' } }],
    });
    const child = startChild(config, crashId, 'crash-key', 500);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let batches = 0;
    try {
      batches = await waitFor(
        async () =>
          count(
            db,
            `SELECT batches AS n FROM campaign_runs WHERE campaign_id = ? AND run_key = ?
             UNION ALL SELECT 0 LIMIT 1`,
            [crashId, 'crash-key'],
          ),
        (n) => n >= 3,
        child,
      );
    } finally {
      child.kill('SIGKILL');
    }
    await exited;

    const [stopped] = await db.query(
      'SELECT status, batches, last_customer_id FROM campaign_runs WHERE run_key = ?',
      ['crash-key'],
    );
    expect(stopped.status).toBe('running');
    expect(stopped.batches).toBeGreaterThanOrEqual(batches);
    expect(stopped.batches).toBeLessThan(Math.ceil(customers / 500));
    const decidedBefore = await count(
      db,
      'SELECT COUNT(*) AS n FROM decisions d JOIN campaign_runs r ON r.id = d.run_id WHERE r.run_key = ?',
      ['crash-key'],
    );
    expect(decidedBefore).toBe(stopped.batches * 500);

    // A process starting on the same database finds the run and marks it for resuming.
    const restarted = await createContext(config);
    await restarted.close();
    const [found] = await db.query('SELECT status FROM campaign_runs WHERE run_key = ?', [
      'crash-key',
    ]);
    expect(found.status).toBe('interrupted');

    const resumed = await http
      .post(`/campaigns/${crashId}/runs`)
      .set('Idempotency-Key', 'crash-key')
      .send({})
      .expect(200);

    expect(resumed.body).toMatchObject({ status: 'succeeded', resumes: 1 });
    expect(resumed.body.counts.customers).toBe(customers);
    const [decided] = await db.query(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT customer_id) AS distinct_customers
         FROM decisions WHERE run_id = ?`,
      [resumed.body.id],
    );
    expect(Number(decided.n)).toBe(customers);
    expect(Number(decided.distinct_customers)).toBe(customers);
    const actions = resumed.body.counts.actions as number;
    expect(
      await count(db, 'SELECT COUNT(*) AS n FROM deliveries WHERE run_id = ?', [resumed.body.id]),
    ).toBe(actions);
    expect(
      await count(db, 'SELECT COUNT(*) AS n FROM contacts WHERE campaign_id = ?', [crashId]),
    ).toBe(actions);
    expect(resumed.body.deliveries).toBe(actions);
  }, 300_000);
});

describe('campaign runs, suppression and real-time decisions on bank.csv (4,521 customers)', () => {
  let app: INestApplication;
  let http: Http;
  let db: DataSource;
  let customers: number;
  let firstId: string;
  let secondId: string;
  let firstRun: RunView;
  const suppressed = ['bank:1', 'bank:2', 'bank:3'];

  beforeAll(async () => {
    ({ app, http, db, customers } = await bankApp('bank.csv'));
    for (const id of suppressed) {
      await http
        .put(`/customers/${id}/suppression`)
        .send({ reason: 'unsubscribed', source: 'crm' })
        .expect(200);
    }
    const emailCap = [{ action: 'email', max: 1, windowDays: 7 }];
    firstId = await activeCampaign(http, {
      name: 'over-40',
      audience: { all: [atLeast('age', 40)] },
      holdoutShare: 0.1,
      frequencyCaps: emailCap,
      rules: [{ name: 'all-over-40', conditions: everyone, event: { type: 'email' } }],
    });
    secondId = await activeCampaign(http, {
      name: 'everyone',
      holdoutShare: 0,
      frequencyCaps: emailCap,
      rules: [
        {
          name: 'newsletter',
          conditions: everyone,
          event: { type: 'email', params: { template: 'news' } },
        },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses to run a draft but simulates it', async () => {
    const draft = await http
      .post('/campaigns')
      .send({
        name: 'draft',
        modelName: 'bank',
        rules: [{ name: 'r', conditions: everyone, event: { type: 'ad' } }],
      })
      .expect(201);

    const refused = await http.post(`/campaigns/${draft.body.id}/runs`).send({}).expect(409);
    const simulated = await http.post(`/campaigns/${draft.body.id}/simulate`).send({}).expect(200);

    expect(refused.body.error.code).toBe('campaign_not_active');
    expect(simulated.body.counts).toMatchObject({
      customers,
      actions: customers - 3 - simulated.body.counts.holdout,
    });
  });

  it('gives suppressed customers nothing, and a repeated run key creates nothing new', async () => {
    const first = await http
      .post(`/campaigns/${firstId}/runs`)
      .send({ runKey: 'once' })
      .expect(201);
    firstRun = first.body;
    const decisions = await count(db, 'SELECT COUNT(*) AS n FROM decisions');
    const deliveries = await count(db, 'SELECT COUNT(*) AS n FROM deliveries');

    const again = await http
      .post(`/campaigns/${firstId}/runs`)
      .set('Idempotency-Key', 'once')
      .send({})
      .expect(200);

    expect(again.body.id).toBe(firstRun.id);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM decisions')).toBe(decisions);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM deliveries')).toBe(deliveries);
    expect(deliveries).toBe(firstRun.counts.actions);
    expect(firstRun.counts.outOfAudience).toBeGreaterThan(1000);

    const rows: { customer_id: string; status: string }[] = await db.query(
      `SELECT customer_id, status FROM decisions WHERE customer_id IN ('bank:1', 'bank:2', 'bank:3')`,
    );
    const ages = await db.query(
      `SELECT id FROM customers WHERE id IN ('bank:1', 'bank:2', 'bank:3')
        AND json_extract(attributes, '$.age') >= 40`,
    );
    expect(rows).toHaveLength(ages.length);
    expect(rows.every((r) => r.status === 'suppressed')).toBe(true);
    expect(firstRun.counts.suppressed).toBe(ages.length);
    const reached = await count(
      db,
      `SELECT COUNT(*) AS n FROM contacts WHERE customer_id IN ('bank:1', 'bank:2', 'bank:3')`,
    );
    expect(reached).toBe(0);
  });

  it("caps the second campaign's email for every customer the first emailed", async () => {
    const second = await http.post(`/campaigns/${secondId}/runs`).send({}).expect(201);
    const emailed = await customersWith(db, firstRun.id, 'action');
    const capped = await customersWith(db, second.body.id, 'capped');

    expect(emailed.length).toBeGreaterThan(1000);
    expect(capped).toEqual(emailed);
    expect(second.body.counts.capped).toBe(emailed.length);
    expect(second.body.counts.actions).toBe(customers - emailed.length - suppressed.length);
  });

  it('explains a decision and pages through the decisions of a run', async () => {
    const page = await http.get(`/runs/${firstRun.id}/decisions?limit=10&offset=5`).expect(200);
    const [decision] = page.body.items;
    const why = await http.get(`/decisions/${decision.id}`).expect(200);
    const model = await app.get(ModelsService).getModel('bank');

    expect(page.body).toMatchObject({ total: firstRun.counts.decisions, limit: 10, offset: 5 });
    expect(page.body.items).toHaveLength(10);
    expect(why.body.decision).toMatchObject({ id: decision.id, modelVersion: model.champion });
    expect(why.body.applied).toMatchObject({ holdoutShare: 0.1 });
    if (decision.rule) {
      expect(why.body.rule.conditions).toEqual(everyone);
    }
    const mine = await http.get(`/customers/${decision.customerId}/decisions`).expect(200);
    expect(mine.body.items.map((d: { id: string }) => d.id)).toContain(decision.id);
  });

  it('decides in real time as the runs do; a dry run writes nothing', async () => {
    const [heldOut] = await customersWith(db, firstRun.id, 'holdout');
    const tables = ['decisions', 'contacts', 'deliveries'];
    const sizes = async () =>
      Promise.all(tables.map((t) => count(db, `SELECT COUNT(*) AS n FROM ${t}`)));
    const before = await sizes();

    const dry = await http.post('/decide').send({ customerId: heldOut, dryRun: true }).expect(200);

    expect(await sizes()).toEqual(before);
    expect(dry.body).toMatchObject({ dryRun: true, recorded: false });
    expect(dry.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual([
      firstId,
      secondId,
    ]);
    expect(dry.body.campaigns[0]).toMatchObject({ status: 'holdout', holdout: true, action: null });

    const live = await http.post('/decide').send({ customerId: heldOut }).expect(200);
    const after = await sizes();

    expect(live.body.recorded).toBe(true);
    expect(after[0] - before[0]).toBe(2);
    const recorded = await db.query(
      `SELECT campaign_id, source, status FROM decisions WHERE customer_id = ? AND source = 'realtime'`,
      [heldOut],
    );
    expect(recorded).toHaveLength(2);
    // The holdout customer got the second campaign's email in its run; its cap holds now.
    expect(live.body.campaigns[1]).toMatchObject({ status: 'capped', action: null });
  });

  it('gives a suppressed customer nothing in real time either', async () => {
    const deliveries = await count(db, 'SELECT COUNT(*) AS n FROM deliveries');

    const response = await http.post('/decide').send({ customerId: 'bank:1' }).expect(200);

    for (const campaign of response.body.campaigns) {
      expect(['suppressed', 'out_of_audience']).toContain(campaign.status);
      expect(campaign.action).toBeNull();
    }
    expect(await count(db, 'SELECT COUNT(*) AS n FROM deliveries')).toBe(deliveries);
    await http.delete('/customers/bank:1/suppression').expect(204);
    await http.get('/customers/bank:1/suppression').expect(404);
  });

  it('answers at once without waiting, and the run finishes in the background', async () => {
    const accepted = await http
      .post(`/campaigns/${secondId}/runs`)
      .send({ runKey: 'background', wait: false, batchSize: 500 })
      .expect(202);

    expect(accepted.body).toMatchObject({ status: 'running', runKey: 'background' });
    const deadline = Date.now() + 60_000;
    let run = accepted.body as RunView;
    while (run.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await http.get(`/runs/${accepted.body.id}`).expect(200)).body;
    }
    expect(run.status).toBe('succeeded');
    expect(run.batches).toBe(Math.ceil(customers / 500));
    expect(run.counts.customers).toBe(customers);
    const listed = await http.get(`/campaigns/${secondId}/runs`).expect(200);
    expect(listed.body.map((r: RunView) => r.id)).toContain(run.id);
  });

  it('counts a contact and a suppression written between two batches in the later batch', async () => {
    // A run decides each batch ahead, while the one before commits; what is written in
    // between (another campaign's message, an unsubscribe) must still count.
    const promoId = await activeCampaign(http, {
      name: 'promo',
      holdoutShare: 0,
      frequencyCaps: [{ action: 'promo', max: 1, windowDays: 7 }],
      rules: [{ name: 'promo-all', conditions: everyone, event: { type: 'promo' } }],
    });
    const ids = (await db.query('SELECT id FROM customers ORDER BY id')).map(
      (row: { id: string }) => row.id,
    );
    const [contacted, unsubscribed] = [ids[260], ids[270]];
    const writes: Promise<unknown>[] = [];

    const { run } = await app.get(CampaignRunsService).start({
      campaignId: promoId,
      batchSize: 250,
      onProgress: (view) => {
        if (view.batches !== 1) return;
        writes.push(
          inTransaction(db, (manager) =>
            manager.query(
              `INSERT INTO contacts (decision_id, customer_id, action, campaign_id, at)
               VALUES ('between-batches', ?, 'promo', 'elsewhere', ?)`,
              [contacted, new Date().toISOString()],
            ),
          ),
          app.get(SuppressionsService).suppress(unsubscribed, {
            reason: 'unsubscribed',
            source: 'crm',
          }),
        );
      },
    });
    await Promise.all(writes);

    expect(writes).toHaveLength(2);
    const statuses: { customer_id: string; status: string }[] = await db.query(
      'SELECT customer_id, status FROM decisions WHERE run_id = ? AND customer_id IN (?, ?)',
      [run.id, contacted, unsubscribed],
    );
    expect(Object.fromEntries(statuses.map((r) => [r.customer_id, r.status]))).toEqual({
      [contacted]: 'capped',
      [unsubscribed]: 'suppressed',
    });
    expect(run.counts.customers).toBe(customers);
  });
});

/** The run in a child process, on the parent's database file. */
function startChild(config: AppConfig, campaignId: string, key: string, batchSize: number) {
  const root = path.resolve(__dirname, '../..');

  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(root, 'test/support/run-campaign-child.ts'),
      campaignId,
      key,
      String(batchSize),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        BULLSEYE_DATABASE: config.databaseFile,
        BULLSEYE_DATA_DIR: config.dataDir,
        BULLSEYE_LOG_LEVEL: 'silent',
        BULLSEYE_DISPATCHER_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Polls `read` every 25 ms until `done`, for at most two minutes or until the child exits. */
async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  child: ChildProcess,
): Promise<T> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    if (child.exitCode !== null) {
      throw new Error(`The run's process ended first (code ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`No progress within two minutes: ${stderr}`);
}
