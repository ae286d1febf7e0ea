import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildProgram } from '../../src/cli/main';
import type { AppConfig } from '../../src/config/config';
import { DispatcherService } from '../../src/modules/delivery/dispatcher.service';
import { EventsService } from '../../src/modules/events/events.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { startTestApp } from '../support/app';
import { WebhookReceiver } from '../support/receiver';

const CUSTOMERS = 400;
/** The customer erased: the last in id order, so a run's cursor stops on them. */
const ERASED = 'client-0400';
const ERASED_EMAIL = 'person400@example.com';
const NAMES = ['Ann', 'Bob', 'Cleo', 'Dev', 'Eva', 'Finn', 'Gus', 'Hana'];

/** Customers with an email, a first name and a phone number beside ordinary attributes. */
function writeCustomers(dir: string): string {
  const file = path.join(dir, 'customers.csv');
  const rows = Array.from({ length: CUSTOMERS }, (_, i) => {
    const n = i + 1;
    const age = 20 + ((n * 37) % 50);
    const balance = (n * 613) % 5000;
    const segment = ['north', 'south', 'east'][n % 3];
    const y = (n * 7) % 10 < (age > 45 ? 6 : 2) ? 'yes' : 'no';

    return [
      `client-${String(n).padStart(4, '0')}`,
      `person${n}@example.com`,
      NAMES[n % NAMES.length],
      5550000 + n * 13,
      age,
      balance,
      segment,
      y,
    ].join(',');
  });
  const header = 'customer_id,email,first_name,phone,age,balance,segment,y';
  fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');

  return file;
}

describe('customer privacy: personal columns, export and erasure', () => {
  let app: INestApplication;
  let config: AppConfig;
  let db: DataSource;
  let receiver: WebhookReceiver;
  let file: string;
  let campaignId: string;
  const endpoints: Record<'personal' | 'plain' | 'ads' | 'off', string> = {
    personal: '',
    plain: '',
    ads: '',
    off: '',
  };

  const api = () => request(app.getHttpServer());
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query(sql, params))[0].n);

  /** Rows of every table of the schema whose any column mentions `text`, by table. */
  async function mentions(text: string): Promise<Record<string, number>> {
    const tables: { name: string }[] = await db.query(
      `SELECT name FROM sqlite_master WHERE type = 'table'`,
    );
    const found: Record<string, number> = {};
    for (const { name } of tables) {
      const columns: { name: string }[] = await db.query('SELECT name FROM pragma_table_info(?)', [
        name,
      ]);
      const where = columns.map((c) => `instr(CAST("${c.name}" AS TEXT), ?) > 0`).join(' OR ');
      const n = await count(
        `SELECT COUNT(*) AS n FROM "${name}" WHERE ${where}`,
        columns.map(() => text),
      );
      if (n > 0) found[name] = n;
    }

    return found;
  }

  async function importFile(fields: Record<string, string>) {
    const post = api().post('/datasets');
    for (const [name, value] of Object.entries(fields)) {
      post.field(name, value);
    }

    return post.attach('file', file);
  }

  async function createEndpoint(body: Record<string, unknown>): Promise<string> {
    const created = await api()
      .post('/endpoints')
      .send({ url: receiver.url(), actionTypes: ['email'], ...body })
      .expect(201);

    return created.body.id as string;
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ({ app, config } = await startTestApp({ dispatcherEnabled: false }));
    db = app.get(DataSource);
    file = writeCustomers(config.dataDir);
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('flags personal columns by name on import, and says so in the profile', async () => {
    const inferred = await importFile({ name: 'shop', target: 'y', idColumn: 'customer_id' });
    const given = await importFile({ name: 'shop-2', target: 'y', personal: 'email' });
    const unknown = await importFile({ target: 'y', personal: 'email, phnoe' });

    expect(inferred.status).toBe(201);
    const flags = (view: { schema: { columns: { name: string; personal?: string }[] } }) =>
      view.schema.columns.filter((c) => c.personal).map((c) => [c.name, c.personal]);
    expect(flags(inferred.body)).toEqual([
      ['email', 'inferred'],
      ['first_name', 'inferred'],
      ['phone', 'inferred'],
    ]);
    expect(inferred.body.profile.notes[0]).toContain('email, first_name, phone');
    // No value of a personal column is stored with the profile.
    const profile = JSON.stringify(inferred.body.profile);
    expect(profile).not.toContain('@example.com');
    expect(profile).not.toContain('"Ann"');
    expect(profile).toContain('"north"');

    expect(given.status).toBe(201);
    expect(flags(given.body)).toEqual([['email', 'given']]);
    expect(given.body.profile.notes).toBeUndefined();
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { path: '$.personal[1]', field: 'phnoe', message: 'no such column' },
    ]);
  });

  it('trains without personal features unless the request allows them', async () => {
    const [dataset] = await db.query(`SELECT id FROM datasets WHERE name = 'shop'`);
    const models = app.get(ModelsService);
    const closed = await models.train('shop', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    const opened = await api()
      .post('/models/shop-open/train')
      .send({ datasetId: dataset.id, plugins: [{ id: 'logistic' }], allowPersonalFeatures: true })
      .expect(202);
    const bad = await api()
      .post('/models/shop-bad/train')
      .send({ datasetId: dataset.id, plugins: [{ id: 'logistic' }], allowPersonalFeatures: 'yes' })
      .expect(400);
    expect((await models.waitForJob(closed.id)).status).toBe('succeeded');
    expect((await models.waitForJob(opened.body.jobId)).status).toBe('succeeded');

    const versions: { model_name: string; metrics: string; feature_names: string }[] =
      await db.query(`SELECT model_name, metrics, feature_names FROM model_versions`);
    const version = (name: string) => versions.find((v) => v.model_name === name);
    const features = (name: string) => JSON.parse(version(name)?.feature_names ?? '[]');
    expect(features('shop').filter((f: string) => /first_name|phone/.test(f))).toEqual([]);
    expect(features('shop')).toEqual(expect.arrayContaining(['age', 'balance']));
    expect(JSON.parse(version('shop')?.metrics ?? '{}').personal).toEqual({
      allowed: false,
      columns: ['first_name', 'phone'],
      dropped: ['first_name', 'phone'],
    });
    expect(features('shop-open')).toEqual(expect.arrayContaining(['phone']));
    expect(features('shop-open').some((f: string) => f.startsWith('first_name'))).toBe(true);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain(
      '$.allowPersonalFeatures',
    );
  });

  it('sends personal attributes only to the endpoint that lists them', async () => {
    endpoints.personal = await createEndpoint({
      name: 'mailer',
      includePersonal: ['email', 'first_name'],
    });
    endpoints.plain = await createEndpoint({ name: 'analytics' });
    endpoints.ads = await createEndpoint({ name: 'ads', actionTypes: ['ad'], batchSize: 1000 });
    endpoints.off = await createEndpoint({ name: 'later' });
    const shown = await api().get(`/endpoints/${endpoints.personal}`).expect(200);
    expect(shown.body.includePersonal).toEqual(['email', 'first_name']);

    const campaign = await api()
      .post('/campaigns')
      .send({
        name: 'spring',
        modelName: 'shop',
        holdoutShare: 0,
        arbitration: 'one_per_action',
        rules: [
          {
            name: 'everyone-mail',
            conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0 }] },
            event: { type: 'email', params: { template: 'spring' } },
          },
          {
            name: 'everyone-ad',
            conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0 }] },
            event: { type: 'ad', params: { creative: 'banner' } },
          },
        ],
      })
      .expect(201);
    campaignId = campaign.body.id;
    await api().post(`/campaigns/${campaignId}/activate`).expect(200);
    const run = await api().post(`/campaigns/${campaignId}/runs`).send({}).expect(201);
    expect(run.body.status).toBe('succeeded');
    // Disabled before the drain: its messages stay in the outbox, undelivered.
    await api().patch(`/endpoints/${endpoints.off}`).send({ enabled: false }).expect(200);
    await app.get(DispatcherService).drain();

    const byPath = (id: string) => receiver.requests.filter((r) => r.body.includes(id));
    const mailer = receiver.requests.filter((r) => r.body.includes('"personal"'));
    expect(mailer).toHaveLength(CUSTOMERS);
    const sample = JSON.parse(mailer.find((r) => r.body.includes(ERASED))?.body ?? '{}');
    expect(sample.data.personal).toEqual({ email: ERASED_EMAIL, first_name: 'Ann' });
    expect(receiver.requests.filter((r) => r.body.includes('@example.com'))).toHaveLength(
      CUSTOMERS,
    );
    expect(byPath(ERASED)).toHaveLength(3);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending' AND endpoint_id = ?`,
        [endpoints.off],
      ),
    ).toBe(CUSTOMERS);
  });

  it('exports everything held about one customer, with only their part of a batch', async () => {
    await api().post('/scoring/runs').send({ model: 'shop' }).expect(201);
    const [decision] = await db.query(
      `SELECT id FROM decisions WHERE customer_id = ? AND slot = 'email'`,
      [ERASED],
    );
    await app.get(EventsService).ingest({
      origin: { id: 'import', source: 'test' },
      events: [
        {
          id: 'e-1',
          customerId: ERASED,
          type: 'opened',
          occurredAt: Date.now() - 1000,
          decisionId: decision.id,
          deliveryId: null,
          value: null,
        },
        {
          id: 'e-2',
          customerId: ERASED,
          type: 'converted',
          occurredAt: Date.now() - 500,
          decisionId: null,
          deliveryId: null,
          value: 59.9,
        },
        {
          id: 'e-3',
          customerId: 'client-0001',
          type: 'opened',
          occurredAt: Date.now() - 500,
          decisionId: null,
          deliveryId: null,
          value: null,
        },
      ],
    });
    await api()
      .put(`/customers/${ERASED}/suppression`)
      .send({ reason: 'do_not_contact' })
      .expect(200);
    // A failed run's message quoting the customer, as an error of a scoring run would.
    await db.query(`UPDATE scoring_runs SET error = ?`, [
      JSON.stringify({ code: 'x', message: `customer ${ERASED} could not be scored` }),
    ]);

    const exported = await api().get(`/customers/${ERASED}/export`).expect(200);
    const doc = exported.body;

    expect(doc.customerId).toBe(ERASED);
    expect(doc.customer.attributes).toMatchObject({ email: ERASED_EMAIL, first_name: 'Ann' });
    expect(doc.datasetRecords.map((r: { datasetName: string }) => r.datasetName)).toEqual([
      'shop',
      'shop-2',
    ]);
    expect(doc.scores.map((s: { model: string }) => s.model)).toEqual(['shop']);
    expect(doc.decisions.map((d: { slot: string }) => d.slot).sort()).toEqual(['ad', 'email']);
    expect(doc.contacts).toHaveLength(2);
    expect(doc.outcomes.map((o: { eventId: string }) => o.eventId)).toEqual(['e-1', 'e-2']);
    expect(doc.suppression).toMatchObject({ reason: 'do_not_contact' });
    expect(doc.deliveries).toHaveLength(4);
    for (const delivery of doc.deliveries) {
      expect(delivery.actions).toHaveLength(1);
      expect(delivery.actions[0].customerId).toBe(ERASED);
    }
    const toMailer = doc.deliveries.find(
      (d: { endpointId: string }) => d.endpointId === endpoints.personal,
    );
    expect(toMailer.actions[0].personal.email).toBe(ERASED_EMAIL);
    expect(JSON.stringify(doc)).not.toContain('client-0001');
    await api().get('/customers/nobody-here/export').expect(404);
  });

  it('erases the customer from every table, keeping only a record under a hash', async () => {
    const before = await mentions(ERASED);
    expect(Object.keys(before).sort()).toEqual(
      expect.arrayContaining([
        'campaign_runs',
        'contacts',
        'customers',
        'dataset_records',
        'decisions',
        'deliveries',
        'outcome_events',
        'scores',
        'scoring_runs',
        'suppressions',
      ]),
    );
    const decisions = await count('SELECT COUNT(*) AS n FROM decisions');

    const erased = await api().delete(`/customers/${ERASED}`).expect(200);

    const hash = createHash('sha256').update(`bullseye-customer:${ERASED}`).digest('hex');
    expect(erased.body).toMatchObject({ customerHash: hash, source: 'api' });
    expect(erased.body.counts).toEqual({
      deliveries: { deleted: 1, changed: 3 },
      contacts: { deleted: 2, changed: 0 },
      decisions: { deleted: 0, changed: 2 },
      scores: { deleted: 1, changed: 0 },
      outcome_events: { deleted: 2, changed: 0 },
      suppressions: { deleted: 1, changed: 0 },
      dataset_records: { deleted: 2, changed: 0 },
      customers: { deleted: 1, changed: 0 },
      campaign_runs: { deleted: 0, changed: 1 },
      scoring_runs: { deleted: 0, changed: 1 },
    });
    expect(await mentions(ERASED)).toEqual({});
    expect(await mentions(ERASED_EMAIL)).toEqual({});
    // Decisions stay, under a pseudonym, so runs and lift still count them.
    expect(await count('SELECT COUNT(*) AS n FROM decisions')).toBe(decisions);
    const [record] = await db.query('SELECT * FROM erasures');
    expect(record.customer_hash).toBe(hash);
    expect(JSON.parse(record.counts)).toEqual(erased.body.counts);
  });

  it('leaves the other customers, the counts and the delivery history as they were', async () => {
    expect(await count('SELECT COUNT(*) AS n FROM customers')).toBe(CUSTOMERS - 1);
    expect(
      await count('SELECT COUNT(*) AS n FROM decisions WHERE customer_id LIKE ?', ['erased:%']),
    ).toBe(2);
    const [pseudonymised] = await db.query(
      `SELECT reason, params, status FROM decisions WHERE customer_id LIKE 'erased:%' LIMIT 1`,
    );
    expect(pseudonymised).toEqual({ reason: 'erased on request', params: null, status: 'action' });
    const [run] = await db.query('SELECT last_customer_id, counts FROM campaign_runs');
    expect(run.last_customer_id).toBe('client-0399');
    expect(JSON.parse(run.counts).customers).toBe(CUSTOMERS);

    const [batch] = await db.query(
      `SELECT payload FROM deliveries WHERE endpoint_id = ? AND status = 'delivered'`,
      [endpoints.ads],
    );
    const actions = JSON.parse(batch.payload).data.actions;
    expect(actions).toHaveLength(CUSTOMERS);
    expect(actions.filter((a: { erased?: boolean }) => a.erased)).toHaveLength(1);
    expect(
      await count(`SELECT COUNT(*) AS n FROM deliveries WHERE endpoint_id = ?`, [endpoints.off]),
    ).toBe(CUSTOMERS - 1);
    const [tombstone] = await db.query(
      `SELECT id FROM deliveries WHERE endpoint_id = ? AND json_extract(payload, '$.erased') = 1`,
      [endpoints.personal],
    );
    const replay = await api().post(`/deliveries/${tombstone.id}/replay`).expect(409);
    expect(replay.body.error.code).toBe('delivery_erased');
    expect(await count(`SELECT COUNT(*) AS n FROM outcome_events`)).toBe(1);
  });

  it('answers 404 for a customer erased already or never known', async () => {
    const again = await api().delete(`/customers/${ERASED}`).expect(404);
    expect(again.body.error.code).toBe('customer_not_found');
    await api().get(`/customers/${ERASED}/export`).expect(404);
    expect(await count('SELECT COUNT(*) AS n FROM erasures')).toBe(1);
  });

  it('exports and erases from the command line', async () => {
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.join(' '));
    });
    const run = (...args: string[]) =>
      buildProgram().parseAsync(['node', 'bullseye', '--data-dir', config.dataDir, ...args]);
    try {
      await run('customers', 'export', 'client-0001');
      await run('customers', 'erase', 'client-0001');
    } finally {
      log.mockRestore();
    }

    const exported = JSON.parse(printed[0]);
    expect(exported.customerId).toBe('client-0001');
    expect(exported.outcomes.map((o: { eventId: string }) => o.eventId)).toEqual(['e-3']);
    expect(printed[1]).toMatch(/^Erasure [0-9a-f-]{36} at /);
    expect(printed.join('\n')).toMatch(/customers\s*│\s*1/);
    expect(await mentions('client-0001')).toEqual({});
    const [record] = await db.query(`SELECT source FROM erasures ORDER BY erased_at DESC LIMIT 1`);
    expect(record.source).toBe('cli');
  });
});
