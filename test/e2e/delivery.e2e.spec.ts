import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../src/database/unit-of-work';
import { DeliveryClock } from '../../src/modules/delivery/clock';
import type { ActionType, OutgoingAction } from '../../src/modules/delivery/delivery.types';
import { DeliveryService } from '../../src/modules/delivery/delivery.service';
import { DispatcherService } from '../../src/modules/delivery/dispatcher.service';
import { EndpointService } from '../../src/modules/delivery/endpoint.service';
import { startTestApp } from '../support/app';
import { WebhookReceiver } from '../support/receiver';

/** Compressed: three attempts, 50 ms and 100 ms apart (±20 %); the clock is moved by hand. */
const SCHEDULE_MS = [0, 50, 100];
const TIMEOUT_MS = 300;
const OVERLAP_MS = 60_000;

describe('delivery by signed webhooks', () => {
  let app: INestApplication;
  let receiver: WebhookReceiver;
  let dispatcher: DispatcherService;
  let dataSource: DataSource;
  let now: number;
  let decisions = 0;

  const api = () => request(app.getHttpServer());
  const advance = (ms: number) => {
    now += ms;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ({ app } = await startTestApp({
      dispatcherEnabled: false,
      deliveryTimeoutMs: TIMEOUT_MS,
      deliveryScheduleMs: SCHEDULE_MS,
      deliveryConcurrency: 4,
      deliverySecretOverlapMs: OVERLAP_MS,
    }));
    dispatcher = app.get(DispatcherService);
    dataSource = app.get(DataSource);
    now = Date.now();
    jest.spyOn(app.get(DeliveryClock), 'now').mockImplementation(() => now);
  });

  afterEach(async () => {
    const endpoints = app.get(EndpointService);
    for (const endpoint of await endpoints.list()) {
      await endpoints.remove(endpoint.id);
    }
    receiver.reset();
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  function action(type: ActionType, overrides: Partial<OutgoingAction> = {}): OutgoingAction {
    decisions++;

    return {
      runId: 'run_e2e',
      campaignId: 'spring',
      decisionId: `dec_${decisions}`,
      customerId: `c-${decisions}`,
      type,
      params: { template: 'welcome' },
      score: 0.8,
      modelVersion: 'mv_1',
      ...overrides,
    };
  }

  async function enqueue(...actions: OutgoingAction[]) {
    return inTransaction(dataSource, (manager) =>
      app.get(DeliveryService).enqueue(manager, actions),
    );
  }

  /** Registers an endpoint on the receiver and lets the receiver check its signatures. */
  async function createEndpoint(body: Record<string, unknown> = {}) {
    const response = await api()
      .post('/endpoints')
      .send({ name: 'Email service', url: receiver.url(), actionTypes: ['email'], ...body })
      .expect(201);
    receiver.secrets = [response.body.secret];

    return response.body as { id: string; secret: string };
  }

  async function onlyDelivery(endpointId: string) {
    const list = await api().get('/deliveries').query({ endpointId }).expect(200);
    expect(list.body.items).toHaveLength(1);

    return (await api().get(`/deliveries/${list.body.items[0].id}`).expect(200)).body;
  }

  describe('endpoints', () => {
    it('shows a generated secret once and never again', async () => {
      const created = await createEndpoint();

      expect(created.secret).toMatch(/^whsec_/);
      expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
      const key = created.secret.slice(6);

      const responses = [
        await api().get('/endpoints').expect(200),
        await api().get(`/endpoints/${created.id}`).expect(200),
        await api().patch(`/endpoints/${created.id}`).send({ name: 'Renamed' }).expect(200),
      ];
      await enqueue(action('email'));
      await dispatcher.drain();
      const deliveries = await api().get('/deliveries').expect(200);
      responses.push(deliveries);
      responses.push(await api().get(`/deliveries/${deliveries.body.items[0].id}`).expect(200));
      const rotated = await api().post(`/endpoints/${created.id}/rotate-secret`).expect(200);
      responses.push(await api().get(`/endpoints/${created.id}`).expect(200));

      expect(responses[2].body.name).toBe('Renamed');
      for (const response of responses) {
        expect(JSON.stringify(response.body)).not.toContain(key);
        expect(JSON.stringify(response.body)).not.toContain('whsec_');
      }
      expect(JSON.stringify(rotated.body)).not.toContain(key);
      expect(rotated.body.secret).toMatch(/^whsec_/);
    });

    it('keeps a given secret, refuses a malformed one naming the field, and deletes', async () => {
      const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
      const created = await createEndpoint({ secret });

      expect(created.secret).toBe(secret);

      const bad = await api()
        .post('/endpoints')
        .send({ name: 'x', url: receiver.url(), actionTypes: ['email'], secret: 'hunter2' })
        .expect(400);

      expect(bad.body.error.code).toBe('endpoint_secret_invalid');
      expect(bad.body.error.details[0].path).toBe('$.secret');
      expect(bad.body.error.message).not.toContain('hunter2');

      await api().delete(`/endpoints/${created.id}`).expect(204);
      expect((await api().get(`/endpoints/${created.id}`).expect(404)).body.error.code).toBe(
        'endpoint_not_found',
      );
    });

    it('validates the URL, the action types and the batch size', async () => {
      const badUrl = await api()
        .post('/endpoints')
        .send({ name: 'x', url: 'ftp://example.com/hook', actionTypes: ['email'] })
        .expect(400);
      const badType = await api()
        .post('/endpoints')
        .send({ name: 'x', url: receiver.url(), actionTypes: ['sms'] })
        .expect(400);
      const batchWithoutAds = await api()
        .post('/endpoints')
        .send({ name: 'x', url: receiver.url(), actionTypes: ['email'], batchSize: 10 })
        .expect(400);

      expect(badUrl.body.error.code).toBe('validation_failed');
      expect(badUrl.body.error.details.map((d: { path: string }) => d.path)).toContain('$.url');
      expect(badType.body.error.details.map((d: { path: string }) => d.path)).toContain(
        '$.actionTypes',
      );
      expect(batchWithoutAds.body.error.code).toBe('endpoint_batch_size_without_ad');
      expect((await api().get('/endpoints/ep_nope').expect(404)).body.error.code).toBe(
        'endpoint_not_found',
      );
    });
  });

  describe('the outbox', () => {
    it('writes deliveries in the caller’s transaction, routed and batched', async () => {
      const ads = await createEndpoint({ name: 'Ads', actionTypes: ['ad'], batchSize: 2 });
      const mail = await createEndpoint({ name: 'Mail', actionTypes: ['email'] });
      await createEndpoint({ name: 'Off', actionTypes: ['ad', 'email'], enabled: false });
      const types: ActionType[] = ['ad', 'ad', 'ad', 'email', 'social'];
      const actions = types.map((type) => action(type, { runId: 'run_outbox' }));

      await expect(
        inTransaction(dataSource, async (manager) => {
          await app.get(DeliveryService).enqueue(manager, actions);
          throw new Error('the run failed');
        }),
      ).rejects.toThrow('the run failed');
      const afterRollback = await api().get('/deliveries').query({ runId: 'run_outbox' });

      expect(afterRollback.body.total).toBe(0);

      const result = await enqueue(...actions);
      const adDeliveries = await api().get('/deliveries').query({ endpointId: ads.id });
      const mailDeliveries = await api().get('/deliveries').query({ endpointId: mail.id });

      expect(result).toEqual({ deliveries: 3, unrouted: 1 });
      expect(adDeliveries.body.total).toBe(2);
      expect(mailDeliveries.body.total).toBe(1);
      expect(
        adDeliveries.body.items.map((d: { decisionIds: string[] }) => d.decisionIds.length).sort(),
      ).toEqual([1, 2]);
      const detail = await api().get(`/deliveries/${mailDeliveries.body.items[0].id}`).expect(200);
      expect(detail.body.payload).toMatchObject({
        type: 'action.email',
        data: { customerId: actions[3].customerId, action: 'email', runId: 'run_outbox' },
      });
      expect(detail.body).toMatchObject({ status: 'pending', attempts: 0, campaignId: 'spring' });
    });

    it('sends nothing of a run’s transaction before it commits', async () => {
      await createEndpoint();
      let written!: () => void;
      let commit!: () => void;
      const enqueued = new Promise<void>((resolve) => (written = resolve));
      const gate = new Promise<void>((resolve) => (commit = resolve));

      const run = inTransaction(dataSource, async (manager) => {
        await app.get(DeliveryService).enqueue(manager, [action('email')]);
        written();
        await gate;
      });
      await enqueued;
      const draining = dispatcher.drain();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const sentBeforeCommit = receiver.received;
      commit();
      await run;
      const result = await draining;

      expect(sentBeforeCommit).toBe(0);
      expect(result.delivered).toBe(1);
      expect(receiver.verified).toBe(1);
    });

    it('lists by status with pagination', async () => {
      const endpoint = await createEndpoint();
      await enqueue(action('email'), action('email'), action('email'));

      const page = await api()
        .get('/deliveries')
        .query({ endpointId: endpoint.id, status: 'pending', limit: 2, offset: 0 })
        .expect(200);
      const rest = await api()
        .get('/deliveries')
        .query({ endpointId: endpoint.id, status: 'pending', limit: 2, offset: 2 })
        .expect(200);
      const delivered = await api()
        .get('/deliveries')
        .query({ endpointId: endpoint.id, status: 'delivered' });

      expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(page.body.items).toHaveLength(2);
      expect(rest.body.items).toHaveLength(1);
      expect(delivered.body.total).toBe(0);
      expect((await api().get('/deliveries').query({ limit: 0 }).expect(400)).body.error.code).toBe(
        'validation_failed',
      );
    });
  });

  describe('the dispatcher', () => {
    it('retries a 500 and delivers on the next attempt with the same webhook id', async () => {
      const endpoint = await createEndpoint();
      receiver.reply({ status: 500 });
      await enqueue(action('email'));

      const first = await dispatcher.drain();
      const waiting = await onlyDelivery(endpoint.id);
      advance(1_000);
      const second = await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(first).toMatchObject({ attempted: 1, retrying: 1, delivered: 0 });
      expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
      expect(second).toMatchObject({ attempted: 1, delivered: 1 });
      expect(done).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
      expect(done.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
      const sent = receiver.withId(done.id);
      expect(sent).toHaveLength(2);
      expect(sent.map((r) => r.verifiedBy)).toEqual([[0], [0]]);
      expect(JSON.parse(sent[1].body)).toEqual(done.payload);
    });

    it('disables an endpoint that answers 410 and resumes when it is enabled again', async () => {
      const endpoint = await createEndpoint();
      receiver.reply({ status: 410 });
      await enqueue(action('email'));

      await dispatcher.drain();
      const disabled = (await api().get(`/endpoints/${endpoint.id}`).expect(200)).body;
      advance(1_000);
      const whileDisabled = await dispatcher.drain();

      expect(disabled.enabled).toBe(false);
      expect(disabled.disabledReason).toContain('410');
      expect(whileDisabled.attempted).toBe(0);
      expect(receiver.received).toBe(1);
      expect((await onlyDelivery(endpoint.id)).status).toBe('pending');

      const enabled = await api()
        .patch(`/endpoints/${endpoint.id}`)
        .send({ enabled: true })
        .expect(200);
      const resumed = await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
      expect(resumed.delivered).toBe(1);
      expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.withId(done.id)).toHaveLength(2);
    });

    it('records a hang past the timeout as a timeout and retries', async () => {
      const endpoint = await createEndpoint();
      receiver.reply('hang');
      await enqueue(action('email'));

      await dispatcher.drain();
      const waiting = await onlyDelivery(endpoint.id);
      advance(1_000);
      await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(waiting.status).toBe('pending');
      expect(waiting.attemptLog[0]).toMatchObject({
        statusCode: null,
        error: `timeout after ${TIMEOUT_MS} ms`,
      });
      expect(waiting.attemptLog[0].latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.withId(done.id)).toHaveLength(2);
    });

    it('records a refused connection and retries', async () => {
      const closedPort = await freePort();
      const endpoint = await createEndpoint({ url: `http://127.0.0.1:${closedPort}/hook` });
      await enqueue(action('email'));

      await dispatcher.drain();
      const waiting = await onlyDelivery(endpoint.id);
      await api().patch(`/endpoints/${endpoint.id}`).send({ url: receiver.url() }).expect(200);
      advance(1_000);
      await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
      expect(waiting.attemptLog[0].error).toContain('ECONNREFUSED');
      expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.withId(done.id)).toHaveLength(1);
    });

    it('does not follow a redirect: a 3xx is a failed attempt', async () => {
      const endpoint = await createEndpoint();
      receiver.reply({ status: 302, headers: { location: receiver.url('/elsewhere') } });
      await enqueue(action('email'));

      await dispatcher.drain();
      const waiting = await onlyDelivery(endpoint.id);

      expect(receiver.requests.map((r) => r.path)).toEqual(['/hook']);
      expect(waiting).toMatchObject({ status: 'pending', lastStatus: 302 });
      expect(waiting.lastError).toContain('redirects are not followed');
    });

    it('waits as long as Retry-After asks', async () => {
      const endpoint = await createEndpoint();
      receiver.reply({ status: 429, headers: { 'retry-after': '30' } });
      await enqueue(action('email'));

      await dispatcher.drain();
      const waiting = await onlyDelivery(endpoint.id);
      advance(29_000);
      const early = await dispatcher.drain();
      advance(2_000);
      const due = await dispatcher.drain();

      expect(waiting.nextAttemptAt).toBe(new Date(now - 31_000 + 30_000).toISOString());
      expect(early.attempted).toBe(0);
      expect(due.delivered).toBe(1);
      expect((await onlyDelivery(endpoint.id)).attemptLog).toHaveLength(2);
    });

    it('dead-letters after the last attempt, and a replay delivers it with the same id', async () => {
      const endpoint = await createEndpoint();
      receiver.reply({ status: 500 }, { status: 500 }, { status: 503 });
      await enqueue(action('email'));

      for (let i = 0; i < 3; i++) {
        await dispatcher.drain();
        advance(1_000);
      }
      const dead = await onlyDelivery(endpoint.id);
      const afterDeath = await dispatcher.drain();

      expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastStatus: 503 });
      expect(dead.deadAt).not.toBeNull();
      expect(afterDeath.attempted).toBe(0);

      const replayed = await api().post(`/deliveries/${dead.id}/replay`).expect(200);
      const again = await api().post(`/deliveries/${dead.id}/replay`).expect(409);
      await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(replayed.body).toMatchObject({ id: dead.id, status: 'pending' });
      expect(again.body.error.code).toBe('delivery_not_finished');
      expect(done).toMatchObject({ status: 'delivered', attempts: 4 });
      expect(done.attemptLog.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3, 4]);
      expect(receiver.withId(dead.id)).toHaveLength(4);
    });

    it('replays every dead letter since a time', async () => {
      const endpoint = await createEndpoint();
      const start = now;
      receiver.reply(...new Array(6).fill({ status: 500 }));
      await enqueue(action('email'), action('email'));
      for (let i = 0; i < 3; i++) {
        await dispatcher.drain();
        advance(1_000);
      }

      const none = await api()
        .post('/deliveries/replay')
        .send({ since: new Date(now + 60_000).toISOString() })
        .expect(200);
      const some = await api()
        .post('/deliveries/replay')
        .send({ since: new Date(start).toISOString(), endpointId: endpoint.id })
        .expect(200);
      const result = await dispatcher.drain();

      expect(none.body).toEqual({ replayed: 0 });
      expect(some.body).toEqual({ replayed: 2 });
      expect(result).toMatchObject({ attempted: 2, delivered: 2 });
    });

    it('resends with the same id when a crash lost the result, once the lease has run out', async () => {
      const endpoint = await createEndpoint();
      await enqueue(action('email'));

      const claim = await dispatcher.claim();
      await dispatcher.send(claim);
      const inFlight = await onlyDelivery(endpoint.id);
      const whileLeased = await dispatcher.drain();
      advance(dispatcher.leaseMs + 1);
      const afterLease = await dispatcher.drain();
      const done = await onlyDelivery(endpoint.id);

      expect(claim.deliveries).toHaveLength(1);
      expect(inFlight).toMatchObject({ status: 'in_flight', attempts: 0 });
      expect(whileLeased.attempted).toBe(0);
      expect(afterLease.delivered).toBe(1);
      expect(done.status).toBe('delivered');
      const sent = receiver.withId(done.id);
      expect(sent).toHaveLength(2);
      expect(sent.every((r) => r.verifiedBy.length === 1)).toBe(true);
    });

    it('signs with both secrets during a rotation and with the new one after it', async () => {
      const endpoint = await createEndpoint();
      const previous = endpoint.secret;
      const rotated = await api().post(`/endpoints/${endpoint.id}/rotate-secret`).expect(200);
      const shown = await api().get(`/endpoints/${endpoint.id}`).expect(200);
      receiver.secrets = [previous, rotated.body.secret];

      await enqueue(action('email'));
      await dispatcher.drain();
      advance(OVERLAP_MS + 1_000);
      await enqueue(action('email'));
      await dispatcher.drain();

      expect(rotated.body.previousSecretValidUntil).toBe(new Date(now - 1_000).toISOString());
      expect(shown.body.secretRotationEndsAt).toBe(rotated.body.previousSecretValidUntil);
      const [during, after] = receiver.requests;
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(during.verifiedBy).toEqual([0, 1]);
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(after.verifiedBy).toEqual([1]);
    });
  });
});

describe('the background dispatcher', () => {
  let app: INestApplication;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ({ app } = await startTestApp({ dispatcherEnabled: true, dispatcherPollMs: 20 }));
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('delivers without being asked, soon after the run commits', async () => {
    const created = await request(app.getHttpServer())
      .post('/endpoints')
      .send({ name: 'Social', url: receiver.url(), actionTypes: ['social'] })
      .expect(201);
    receiver.secrets = [created.body.secret];
    const dataSource = app.get(DataSource);
    await inTransaction(dataSource, (manager) =>
      app.get(DeliveryService).enqueue(manager, [
        {
          runId: 'run_bg',
          campaignId: 'autumn',
          decisionId: 'dec_bg',
          customerId: 'c-bg',
          type: 'social',
          params: { audience: 'lookalike' },
          score: null,
          modelVersion: null,
        },
      ]),
    );

    for (let i = 0; i < 100 && receiver.verified === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(receiver.verified).toBe(1);
    expect(JSON.parse(receiver.requests[0].body)).toMatchObject({
      type: 'action.social',
      data: { decisionId: 'dec_bg', customerId: 'c-bg' },
    });
  });
});

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  return port;
}
