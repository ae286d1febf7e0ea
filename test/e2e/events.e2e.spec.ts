import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildProgram } from '../../src/cli/main';
import type { AppConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { signingKey, webhookHeaders } from '../../src/modules/delivery/signing';
import { EventsClock } from '../../src/modules/events/events-clock';
import { EventsService } from '../../src/modules/events/events.service';
import { HistoryService } from '../../src/modules/events/history.service';
import { DAY_MS } from '../../src/modules/events/labels';
import { LabelsService } from '../../src/modules/events/labels.service';
import { newcombeInterval } from '../../src/modules/events/lift';
import { ModelsService } from '../../src/modules/models/models.service';
import { SourceShape, TrainingSources } from '../../src/modules/scheduling/training-sources';
import { startTestApp } from '../support/app';

const OVERLAP_MS = 60_000;
const CUSTOMERS = 120;

/** A small shop dataset: ids `c001`…`c120`, a numeric and a categorical attribute, a target. */
function writeShopCsv(dir: string): string {
  const file = path.join(dir, 'shop.csv');
  const rows = Array.from({ length: CUSTOMERS }, (_, i) => {
    const age = 20 + ((i * 37) % 50);
    const bought = (i * 7) % 10 < (age > 45 ? 6 : 2) ? 'yes' : 'no';

    return `c${String(i + 1).padStart(3, '0')},${age},${i % 3 === 0 ? 'web' : 'store'},${bought}`;
  });
  fs.writeFileSync(file, ['id,age,channel,bought', ...rows].join('\n') + '\n');

  return file;
}

const customer = (n: number) => `c${String(n).padStart(3, '0')}`;

describe('outcome events', () => {
  let app: INestApplication;
  let config: AppConfig;
  let db: DataSource;
  let now: number;
  let secret: string;
  let integrationId: string;
  let campaignId: string;
  let sent = 0;

  const http = () => request(app.getHttpServer());
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query(sql, params))[0].n);
  const storedEvents = () => count('SELECT COUNT(*) AS n FROM outcome_events');

  /** POST /events with the body signed as an integration would, at `at` (unix ms). */
  function post(
    body: unknown,
    options: { secret?: string; id?: string; at?: number; headers?: Record<string, string> } = {},
  ) {
    const text = JSON.stringify(body);
    const headers = webhookHeaders([signingKey(options.secret ?? secret)], {
      id: options.id ?? `msg_test_${++sent}`,
      timestamp: Math.floor((options.at ?? now) / 1000),
      body: text,
    });

    return http()
      .post('/events')
      .set({ 'content-type': 'application/json', ...headers, ...options.headers })
      .send(text);
  }

  const event = (id: string, overrides: Record<string, unknown> = {}) => ({
    id,
    customerId: customer(1),
    type: 'opened',
    occurredAt: new Date(now - 60_000).toISOString(),
    ...overrides,
  });

  beforeAll(async () => {
    ({ app, config } = await startTestApp({ integrationSecretOverlapMs: OVERLAP_MS }));
    db = app.get(DataSource);
    now = Date.now();
    jest.spyOn(app.get(EventsClock), 'now').mockImplementation(() => now);

    const dataset = await app.get(DatasetsService).importFile({
      file: writeShopCsv(config.dataDir),
      name: 'shop',
      target: 'bought',
      positiveLabel: 'yes',
      idColumn: 'id',
    });
    const models = app.get(ModelsService);
    const job = await models.train('shop', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');
    const created = await http()
      .post('/campaigns')
      .send({
        name: 'autumn',
        modelName: 'shop',
        holdoutShare: 0.2,
        rules: [
          {
            name: 'older',
            priority: 2,
            conditions: { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 45 }] },
            event: { type: 'email', params: { template: 'autumn' } },
          },
          {
            name: 'everyone',
            conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0 }] },
            event: { type: 'email', params: { template: 'generic' } },
          },
        ],
      })
      .expect(201);
    campaignId = created.body.id;
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('integrations', () => {
    it('shows a generated secret once, and stores it sealed', async () => {
      const created = await http().post('/integrations').send({ name: 'Mail service' }).expect(201);
      secret = created.body.secret;
      integrationId = created.body.id;

      const listed = await http().get('/integrations').expect(200);
      const rows: { sealed_secret: string }[] = await db.query(
        'SELECT sealed_secret FROM integration_secrets WHERE integration_id = ?',
        [integrationId],
      );

      expect(secret).toMatch(/^whsec_/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      expect(listed.body).toEqual([
        expect.objectContaining({ id: integrationId, name: 'Mail service' }),
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));
      expect(rows).toHaveLength(1);
      expect(rows[0].sealed_secret).not.toContain(secret.slice(6));
      expect(fs.existsSync(path.join(config.dataDir, 'secrets.key'))).toBe(true);
    });

    it('refuses a second integration of the same name and a malformed secret', async () => {
      const taken = await http().post('/integrations').send({ name: 'Mail service' }).expect(409);
      const bad = await http()
        .post('/integrations')
        .send({ name: 'Shop', secret: 'whsec_short' })
        .expect(400);

      expect(taken.body.error.code).toBe('integration_name_taken');
      expect(bad.body.error).toMatchObject({
        code: 'integration_secret_invalid',
        details: [{ path: '$.secret' }],
      });
    });
  });

  describe('POST /events', () => {
    it('stores signed events and answers what it took', async () => {
      const before = await storedEvents();

      const response = await post([event('e-1'), event('e-2', { type: 'clicked', value: 2.5 })]);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'accepted',
        received: 2,
        stored: 2,
        duplicates: 0,
        suppressed: 0,
      });
      expect(await storedEvents()).toBe(before + 2);
      const [row] = await db.query(
        `SELECT origin, customer_id, type, occurred_at, value FROM outcome_events
         WHERE event_id = 'e-2'`,
      );
      expect(row).toEqual({
        origin: integrationId,
        customer_id: customer(1),
        type: 'clicked',
        occurred_at: now - 60_000,
        value: 2.5,
      });
    });

    it('takes one event object as well as an array', async () => {
      const response = await post(event('e-single')).expect(200);

      expect(response.body.stored).toBe(1);
    });

    it('refuses an unsigned request with 401 signature_missing', async () => {
      const before = await storedEvents();

      const response = await http()
        .post('/events')
        .set('content-type', 'application/json')
        .send(JSON.stringify([event('e-unsigned')]))
        .expect(401);

      expect(response.body.error.code).toBe('signature_missing');
      expect(await storedEvents()).toBe(before);
    });

    it('refuses a request signed with another secret with 401 signature_invalid', async () => {
      const other = 'whsec_' + Buffer.alloc(32, 5).toString('base64');

      const response = await post([event('e-forged')], { secret: other }).expect(401);

      expect(response.body.error.code).toBe('signature_invalid');
      expect(
        await count(`SELECT COUNT(*) AS n FROM outcome_events WHERE event_id = 'e-forged'`),
      ).toBe(0);
    });

    it('refuses a body changed after signing', async () => {
      const text = JSON.stringify([event('e-tampered')]);
      const headers = webhookHeaders([signingKey(secret)], {
        id: 'msg_tampered',
        timestamp: Math.floor(now / 1000),
        body: text,
      });

      const response = await http()
        .post('/events')
        .set({ 'content-type': 'application/json', ...headers })
        .send(text.replace('opened', 'clicked'))
        .expect(401);

      expect(response.body.error.code).toBe('signature_invalid');
    });

    it('refuses a timestamp outside ±5 minutes with 401 signature_stale', async () => {
      const old = await post([event('e-old')], { at: now - 301_000 }).expect(401);
      const ahead = await post([event('e-ahead')], { at: now + 301_000 }).expect(401);
      const edge = await post([event('e-edge')], { at: now - 299_000 }).expect(200);

      expect(old.body.error.code).toBe('signature_stale');
      expect(ahead.body.error.code).toBe('signature_stale');
      expect(edge.body.stored).toBe(1);
    });

    it('accepts a webhook-id once: a replay says duplicate and stores nothing', async () => {
      const body = [event('e-replay-1'), event('e-replay-2', { type: 'delivered' })];
      const first = await post(body, { id: 'msg_replayed' }).expect(200);
      const after = await storedEvents();

      const replay = await post(body, { id: 'msg_replayed' }).expect(200);

      expect(first.body.stored).toBe(2);
      expect(replay.body).toEqual({
        status: 'duplicate',
        received: 2,
        stored: 0,
        duplicates: 2,
        suppressed: 0,
      });
      expect(await storedEvents()).toBe(after);
    });

    it('stores an event id once even when it comes again in a new request', async () => {
      const again = await post([event('e-replay-1'), event('e-new')]).expect(200);

      expect(again.body).toMatchObject({ status: 'accepted', stored: 1, duplicates: 1 });
      expect(
        await count(`SELECT COUNT(*) AS n FROM outcome_events WHERE event_id = 'e-replay-1'`),
      ).toBe(1);
    });

    it('answers 400 with the JSON path of each problem and stores none of the events', async () => {
      const before = await storedEvents();

      const response = await post([
        event('e-ok'),
        event('e-bad-type', { type: 'purchased' }),
        event('e-bad-time', { occurredAt: 'yesterday' }),
        event('e-bad-value', { value: 'ten' }),
      ]).expect(400);

      expect(response.body.error.code).toBe('events_invalid');
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        '$[1].type',
        '$[2].occurredAt',
        '$[3].value',
      ]);
      expect(await storedEvents()).toBe(before);
    });

    it('refuses a decision or delivery id that names nothing', async () => {
      const response = await post([
        event('e-unknown-decision', { decisionId: 'no-such-decision' }),
        event('e-unknown-delivery', { deliveryId: 'msg_nope' }),
      ]).expect(400);

      expect(response.body.error.details).toEqual([
        { path: '$[0].decisionId', message: 'no such decision' },
        { path: '$[1].deliveryId', message: 'no such delivery' },
      ]);
    });
  });

  describe('suppression', () => {
    it('suppresses a customer at once after unsubscribed, and after bounced', async () => {
      await http()
        .get(`/customers/${customer(2)}/suppression`)
        .expect(404);

      const response = await post([
        event('e-unsub', { customerId: customer(2), type: 'unsubscribed' }),
        event('e-bounce', { customerId: customer(3), type: 'bounced' }),
      ]).expect(200);

      const unsubscribed = await http()
        .get(`/customers/${customer(2)}/suppression`)
        .expect(200);
      const bounced = await http()
        .get(`/customers/${customer(3)}/suppression`)
        .expect(200);
      expect(response.body.suppressed).toBe(2);
      expect(unsubscribed.body).toMatchObject({
        customerId: customer(2),
        reason: 'unsubscribed',
        source: `integration ${integrationId}`,
      });
      expect(bounced.body.reason).toBe('bounced');
    });

    it('keeps the reason of a suppression that was there before', async () => {
      await http()
        .put(`/customers/${customer(4)}/suppression`)
        .send({ reason: 'do_not_contact' })
        .expect(200);

      const response = await post([
        event('e-unsub-dnc', { customerId: customer(4), type: 'unsubscribed' }),
      ]).expect(200);

      const suppression = await http()
        .get(`/customers/${customer(4)}/suppression`)
        .expect(200);
      expect(response.body.suppressed).toBe(0);
      expect(suppression.body.reason).toBe('do_not_contact');
    });
  });

  describe('secret rotation', () => {
    it('accepts the old secret during the overlap, and only the new one after it', async () => {
      const old = secret;
      const rotated = await http().post(`/integrations/${integrationId}/rotate-secret`).expect(200);
      secret = rotated.body.secret;

      await post([event('e-rot-new')]).expect(200);
      await post([event('e-rot-old')], { secret: old }).expect(200);
      const shown = await http().get(`/integrations/${integrationId}`).expect(200);
      now += OVERLAP_MS + 1000;
      const late = await post([event('e-rot-late')], { secret: old }).expect(401);

      expect(rotated.body.previousSecretValidUntil).toBe(shown.body.previousSecretValidUntil);
      expect(late.body.error.code).toBe('signature_invalid');
      await post([event('e-rot-after')]).expect(200);
    });
  });

  describe('a campaign run and the events about its deliveries', () => {
    it('attributes an event that names a delivery to the decision of that customer', async () => {
      await http()
        .post('/endpoints')
        .send({ name: 'mail', url: 'http://127.0.0.1:9/hook', actionTypes: ['email'] })
        .expect(201);
      await http().post(`/campaigns/${campaignId}/activate`).expect(200);
      await http().post(`/campaigns/${campaignId}/runs`).send({ runKey: 'week-1' }).expect(201);
      const [delivery] = await db.query(
        `SELECT d.id, d.decision_ids, c.customer_id FROM deliveries d
         JOIN decisions c ON c.id = json_extract(d.decision_ids, '$[0]') LIMIT 1`,
      );

      await post([
        event('e-delivered', {
          customerId: delivery.customer_id,
          type: 'delivered',
          deliveryId: delivery.id,
        }),
      ]).expect(200);

      const [row] = await db.query(
        `SELECT decision_id, delivery_id FROM outcome_events WHERE event_id = 'e-delivered'`,
      );
      expect(row).toEqual({
        decision_id: JSON.parse(delivery.decision_ids)[0],
        delivery_id: delivery.id,
      });
      const wrong = await post([
        event('e-wrong-customer', { customerId: 'nobody', deliveryId: delivery.id }),
      ]).expect(400);
      expect(wrong.body.error.details[0]).toMatchObject({
        path: '$[0].deliveryId',
        message: 'the delivery carried no decision for this customer',
      });
      const stolen = await post([
        event('e-stolen', { customerId: 'nobody', decisionId: row.decision_id }),
      ]).expect(400);
      expect(stolen.body.error.details).toEqual([
        { path: '$[0].decisionId', message: "is another customer's decision" },
      ]);
    });
  });

  describe('importing event files', () => {
    it('imports JSON lines without a signature, once, and suppresses at once', async () => {
      const file = path.join(config.dataDir, 'events.jsonl');
      fs.writeFileSync(
        file,
        [
          JSON.stringify(event('f-1', { customerId: customer(10), type: 'converted', value: 30 })),
          '',
          JSON.stringify(event('f-2', { customerId: customer(11), type: 'unsubscribed' })),
        ].join('\n'),
      );
      const events = app.get(EventsService);

      const first = await events.importFile(file);
      const second = await events.importFile(file);

      expect(first).toMatchObject({ format: 'jsonl', stored: 2, suppressed: 1 });
      expect(second).toMatchObject({ stored: 0, duplicates: 2, suppressed: 0 });
      await http()
        .get(`/customers/${customer(11)}/suppression`)
        .expect(200);
      expect(await count(`SELECT COUNT(*) AS n FROM outcome_events WHERE origin = 'import'`)).toBe(
        2,
      );
    });

    it('imports CSV and reports bad rows by line, importing nothing', async () => {
      const good = path.join(config.dataDir, 'good.csv');
      const bad = path.join(config.dataDir, 'bad.csv');
      const at = new Date(now - DAY_MS).toISOString();
      fs.writeFileSync(
        good,
        `id,customerId,type,occurredAt,value\ng-1,${customer(12)},converted,${at},19.5\n` +
          `g-2,${customer(12)},opened,${at},\n`,
      );
      fs.writeFileSync(
        bad,
        `id,customerId,type,occurredAt\nb-1,${customer(12)},converted,${at}\n` +
          `b-2,${customer(12)},purchased,${at}\nb-1,${customer(12)},opened,${at}\n`,
      );
      const events = app.get(EventsService);

      const imported = await events.importFile(good);
      const refused = await events.importFile(bad).catch((error) => error);

      expect(imported).toMatchObject({ format: 'csv', stored: 2 });
      const [row] = await db.query(`SELECT value FROM outcome_events WHERE event_id = 'g-1'`);
      expect(row.value).toBe(19.5);
      expect(refused).toMatchObject({ code: 'events_file_invalid', status: 422 });
      expect(refused.details).toEqual([
        expect.objectContaining({ line: 3, path: '$.type' }),
        expect.objectContaining({ line: 4, path: '$.id', message: 'repeats the id of line 2' }),
      ]);
      expect(
        await count(`SELECT COUNT(*) AS n FROM outcome_events WHERE event_id LIKE 'b-%'`),
      ).toBe(0);
    });
  });

  describe('lift and labels on recorded history', () => {
    const decidedAt = () => new Date(now - 30 * DAY_MS).toISOString();
    let historyRun: string;

    beforeAll(async () => {
      // c021…c030 got "older" (4 convert), c031…c035 "everyone" (1 converts); c036…c045
      // were held out where "older" would have fired (2 convert), c046…c050 where
      // "everyone" would have (none converts). c051 converts 20 days after: outside 14 days.
      const range = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, i) => customer(from + i));
      const decisions = [
        ...range(21, 30).map((id) => ({
          customerId: id,
          holdout: false,
          rule: 'older',
          action: 'email' as const,
        })),
        ...range(31, 35).map((id) => ({
          customerId: id,
          holdout: false,
          rule: 'everyone',
          action: 'email' as const,
        })),
        ...range(36, 45).map((id) => ({
          customerId: id,
          holdout: true,
          rule: 'older',
          action: 'email' as const,
        })),
        ...range(46, 50).map((id) => ({
          customerId: id,
          holdout: true,
          rule: 'everyone',
          action: 'email' as const,
        })),
        { customerId: customer(51), holdout: false, rule: 'everyone', action: 'email' as const },
      ];
      const at = (days: number) => Date.parse(decidedAt()) + days * DAY_MS;
      const converters = [21, 22, 23, 24, 31, 36, 37];
      const outcomes = [
        ...converters.map((n, i) => ({
          id: `h-${n}`,
          customerId: customer(n),
          type: 'converted' as const,
          occurredAt: at(1 + i),
          decisionId: null,
          deliveryId: null,
          value: 10,
        })),
        {
          id: 'h-51',
          customerId: customer(51),
          type: 'converted' as const,
          occurredAt: at(20),
          decisionId: null,
          deliveryId: null,
          value: null,
        },
      ];
      const recorded = await app.get(HistoryService).record({
        campaignId,
        runKey: 'spring-test',
        decidedAt: decidedAt(),
        decisions,
        outcomes,
      });
      historyRun = recorded.runId;
    });

    it('refuses to record the same history twice', async () => {
      const again = await app
        .get(HistoryService)
        .record({
          campaignId,
          runKey: 'spring-test',
          decidedAt: decidedAt(),
          decisions: [{ customerId: customer(1), holdout: true }],
        })
        .catch((error) => error);

      expect(again.code).toBe('history_run_key_taken');
    });

    it('reports contacted, converted, rate and lift per campaign and rule', async () => {
      const response = await http()
        .get(`/campaigns/${campaignId}/lift`)
        .query({ runId: historyRun })
        .expect(200);
      const report = response.body;

      expect(report).toMatchObject({
        campaignId,
        outcome: 'converted',
        windowDays: 14,
        controlGroup: 'rule',
        methods: { difference: 'newcombe_wilson', relative: 'log_risk_ratio' },
        contacted: { count: 16, converted: 5 },
        holdout: { count: 15, converted: 2 },
      });
      expect(report.lift.difference).toBeCloseTo(5 / 16 - 2 / 15, 12);
      expect(report.lift.relative).toBeCloseTo(5 / 16 / (2 / 15) - 1, 12);
      expect(report.lift.differenceInterval).toEqual(newcombeInterval(5, 16, 2, 15));
      const byRule = Object.fromEntries(report.rules.map((r: { rule: string }) => [r.rule, r]));
      expect(report.rules.map((r: { rule: string }) => r.rule)).toEqual(['older', 'everyone']);
      expect(byRule.older).toMatchObject({
        contacted: { count: 10, converted: 4, rate: 0.4 },
        holdout: { count: 10, converted: 2, rate: 0.2 },
      });
      expect(byRule.older.lift.difference).toBeCloseTo(0.2, 12);
      expect(byRule.older.lift.relative).toBeCloseTo(1, 12);
      expect(byRule.everyone).toMatchObject({
        contacted: { count: 6, converted: 1 },
        holdout: { count: 5, converted: 0, rate: 0 },
        lift: { relative: null, relativeInterval: null },
      });
    });

    it('counts the late conversion with a window of 21 days, not with 14', async () => {
      const wide = await http()
        .get(`/campaigns/${campaignId}/lift`)
        .query({ runId: historyRun, windowDays: 21 })
        .expect(200);
      const bad = await http()
        .get(`/campaigns/${campaignId}/lift`)
        .query({ windowDays: 0, outcome: 'bought' })
        .expect(400);

      expect(wide.body.contacted.converted).toBe(6);
      expect(wide.body.rules[1].contacted.converted).toBe(2);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        '$.outcome',
        '$.windowDays',
      ]);
    });

    it('builds a training dataset of who was contacted and who converted', async () => {
      const built = await app.get(LabelsService).buildTrainingDataset({
        campaignIds: [campaignId],
        name: 'autumn-labels',
      });
      const set = await app.get(DatasetsService).loadTrainingSet(built.dataset.id);

      // The history's 31 customers; the run of a moment ago is still in its window.
      expect(built).toMatchObject({ treated: 16, untreated: 15, missingCustomers: 0 });
      expect(built.open).toBeGreaterThan(0);
      expect(set.schema.target).toBe('converted');
      expect(set.schema.columns).toEqual(
        expect.arrayContaining([
          { name: 'treated', type: 'boolean', role: 'feature' },
          { name: 'age', type: 'numeric', role: 'feature' },
          expect.objectContaining({ name: 'bought', role: 'excluded' }),
        ]),
      );
      const rows = set.customerIds.map((id, i) => [id, set.records[i].treated, set.labels[i]]);
      expect(rows).toHaveLength(31);
      expect(
        rows
          .filter(([, , label]) => label === 1)
          .map(([id]) => id)
          .sort(),
      ).toEqual([21, 22, 23, 24, 31, 36, 37].map(customer));
      expect(rows.find(([id]) => id === customer(36))?.[1]).toBe(false);
      expect(rows.find(([id]) => id === customer(21))?.[1]).toBe(true);
    });

    it('serves retraining schedules as the label_view training source', async () => {
      const created = await http()
        .post('/schedules')
        .send({
          modelName: 'shop',
          cron: '0 3 * * *',
          source: { kind: 'label_view', campaignIds: [campaignId], windowDays: 14 },
        })
        .expect(201);
      const missing = await http()
        .post('/schedules')
        .send({
          modelName: 'other',
          cron: '0 3 * * *',
          plugins: [{ id: 'logistic' }],
          source: { kind: 'label_view', campaignIds: ['no-such-campaign'] },
        })
        .expect(404);
      const invalid = await http()
        .post('/schedules')
        .send({
          modelName: 'shop',
          cron: '0 3 * * *',
          source: { kind: 'label_view', outcome: 'x' },
        })
        .expect(400);

      const loaded = await app
        .get(TrainingSources)
        .load({ kind: 'label_view', campaignIds: [campaignId] } as SourceShape);

      expect(created.body.source).toEqual({
        kind: 'label_view',
        campaignIds: [campaignId],
        windowDays: 14,
      });
      expect(missing.body.error.code).toBe('campaign_not_found');
      expect(invalid.body.error.details).toEqual([
        expect.objectContaining({ path: '$.source.outcome' }),
      ]);
      expect(loaded.records).toHaveLength(31);
      expect(Array.from(loaded.labels).filter((label) => label === 1)).toHaveLength(7);
      expect(loaded.description).toContain('16 contacted, 15 held out');
    });
  });

  describe('the bullseye command', () => {
    it('imports an event file and prints the lift of a campaign', async () => {
      const file = path.join(config.dataDir, 'cli-events.jsonl');
      fs.writeFileSync(
        file,
        JSON.stringify(event('cli-1', { customerId: customer(60), type: 'clicked' })) + '\n',
      );
      const printed: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((...args) => {
        printed.push(args.join(' '));
      });
      const run = (...args: string[]) =>
        buildProgram().parseAsync(['node', 'bullseye', '--data-dir', config.dataDir, ...args]);

      try {
        await run('events', 'import', file);
        await run('campaign', 'lift', campaignId, '--window-days', '21', '--json');
      } finally {
        log.mockRestore();
      }

      expect(printed[0]).toContain('1 stored');
      const report = JSON.parse(printed.slice(1).join('\n'));
      expect(report).toMatchObject({ campaignId, windowDays: 21 });
      expect(await count(`SELECT COUNT(*) AS n FROM outcome_events WHERE event_id = 'cli-1'`)).toBe(
        1,
      );
    });
  });
});
