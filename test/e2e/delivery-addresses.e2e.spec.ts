import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/config/config';
import { inTransaction } from '../../src/database/unit-of-work';
import { DeliveryClock } from '../../src/modules/delivery/clock';
import { DeliveryService } from '../../src/modules/delivery/delivery.service';
import { DispatcherService } from '../../src/modules/delivery/dispatcher.service';
import { HostResolver } from '../../src/modules/delivery/host-resolver';
import { startTestApp } from '../support/app';
import { WebhookReceiver } from '../support/receiver';

/** Two attempts, 50 ms apart; the clock is moved by hand. */
const SCHEDULE_MS = [0, 50];

/** A routed public address (example.com's): what a rebinding name answers first. */
const PUBLIC_ADDRESS = '93.184.215.14';

interface TestApp {
  app: INestApplication;
  api: () => ReturnType<typeof request>;
  /** Stands in for DNS: each call answers the next staged list, then the last one again. */
  stageDns: (...answers: string[][]) => jest.SpyInstance;
  /** Queues one email action and drains the outbox. */
  sendOne: () => Promise<void>;
  advance: (ms: number) => void;
}

let decisions = 0;

async function testApp(overrides: Partial<AppConfig>): Promise<TestApp> {
  const { app } = await startTestApp({
    deliveryScheduleMs: SCHEDULE_MS,
    deliveryTimeoutMs: 2_000,
    deliveryConcurrency: 2,
    ...overrides,
  });
  let now = Date.now();
  jest.spyOn(app.get(DeliveryClock), 'now').mockImplementation(() => now);
  const resolver = app.get(HostResolver);

  return {
    app,
    api: () => request(app.getHttpServer()),
    stageDns: (...answers) => {
      const spy = jest.spyOn(resolver, 'resolve').mockReset();
      answers.forEach((answer) => spy.mockResolvedValueOnce(answer));

      return spy.mockResolvedValue(answers[answers.length - 1]);
    },
    sendOne: async () => {
      decisions++;
      await inTransaction(app.get(DataSource), (manager) =>
        app.get(DeliveryService).enqueue(manager, [
          {
            runId: 'run_addresses',
            campaignId: 'spring',
            decisionId: `dec_${decisions}`,
            customerId: `c-${decisions}`,
            type: 'email',
            params: { template: 'welcome' },
            score: 0.7,
            modelVersion: null,
          },
        ]),
      );
      await app.get(DispatcherService).drain();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

async function onlyDelivery(api: TestApp['api'], endpointId: string) {
  const list = await api().get('/deliveries').query({ endpointId }).expect(200);
  expect(list.body.items).toHaveLength(1);

  return (await api().get(`/deliveries/${list.body.items[0].id}`).expect(200)).body;
}

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});

afterEach(() => {
  receiver.reset();
});

afterAll(async () => {
  await receiver?.close();
});

/** `http://localhost:<port>/hook`: a name for the receiver on 127.0.0.1. */
function localhostUrl(): string {
  return receiver.url().replace('127.0.0.1', 'localhost');
}

describe('delivering with 127.0.0.1 on the allow-list', () => {
  let t: TestApp;
  const logs: string[] = [];
  let stderr: jest.SpyInstance;

  beforeAll(async () => {
    // Every log line of the app, at the most verbose level, to look for secrets in. This app
    // comes first: nestjs-pino keeps the logger of the first app for lines logged outside a
    // request (the dispatcher's), and an app not listening buffers Nest's lines until flushed.
    stderr = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        logs.push(String(chunk));

        return true;
      });
    t = await testApp({
      deliveryAllowHttp: true,
      deliveryAllowedHosts: ['127.0.0.1'],
      logLevel: 'trace',
    });
    t.app.flushLogs();
  });

  afterAll(async () => {
    await t?.app.close();
    stderr?.mockRestore();
  });

  it('saves a name for 127.0.0.1 and delivers to it; secrets stay out of the logs', async () => {
    t.stageDns(['127.0.0.1']);
    const created = await t
      .api()
      .post('/endpoints')
      .send({ name: 'Local', url: localhostUrl(), actionTypes: ['email'] })
      .expect(201);
    receiver.secrets = [created.body.secret];

    await t.sendOne();
    const rotated = await t.api().post(`/endpoints/${created.body.id}/rotate-secret`).expect(200);
    receiver.secrets = [created.body.secret, rotated.body.secret];
    await t.sendOne();

    const [first, second] = receiver.requests;
    expect(receiver.verified).toBe(2);
    expect(first.headers.host).toBe(new URL(localhostUrl()).host);
    expect(first.verifiedBy).toEqual([0]);
    // The old secret still signs during the overlap, beside the new one.
    expect(second.verifiedBy).toEqual([0, 1]);

    const logged = logs.join('');
    expect(logged).toContain(`Endpoint ${created.body.id} created`);
    expect(logged).toContain(`Endpoint ${created.body.id}: secret rotated`);
    for (const secret of [created.body.secret, rotated.body.secret]) {
      expect(logged).not.toContain(secret);
      expect(logged).not.toContain(secret.slice('whsec_'.length));
    }
    expect(logged).not.toContain('whsec_');
  });

  it('still refuses an internal address that is not listed', async () => {
    t.stageDns([PUBLIC_ADDRESS], ['10.0.0.5']);
    const created = await t
      .api()
      .post('/endpoints')
      .send({ name: 'Rebinding', url: 'http://rebind.example.com/hook', actionTypes: ['email'] })
      .expect(201);

    await t.sendOne();
    const waiting = await onlyDelivery(t.api, created.body.id);

    expect(waiting.lastError).toBe(
      'address_refused: rebind.example.com resolved to 10.0.0.5, which is private',
    );
  });
});

describe('saving endpoints with the defaults: https only, nothing internal allowed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ deliveryAllowHttp: false, deliveryAllowedHosts: [] });
  });

  afterAll(async () => {
    await t?.app.close();
  });

  async function refusedSave(url: string) {
    const response = await t
      .api()
      .post('/endpoints')
      .send({ name: 'x', url, actionTypes: ['email'] })
      .expect(400);
    expect(response.body.error.details[0].path).toBe('$.url');

    return response.body.error as { code: string; message: string; details: { message: string }[] };
  }

  it('refuses http, naming the setting that allows it', async () => {
    const error = await refusedSave('http://10.0.0.1/');

    expect(error.code).toBe('endpoint_url_scheme_refused');
    expect(error.details[0].message).toContain('BULLSEYE_DELIVERY_ALLOW_HTTP=true');
  });

  it.each([
    ['https://10.0.0.1/', '10.0.0.1 is private'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is link-local'],
    ['https://100.64.1.1/', '100.64.1.1 is carrier-grade NAT'],
    ['https://[::1]/hook', '::1 is loopback'],
    ['https://[fd00::1]/hook', 'fd00::1 is unique-local (private)'],
    ['https://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1 is loopback (it carries 127.0.0.1)'],
    ['https://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe is link-local (it carries 169.254.169.254)'],
    ['https://0.0.0.0:8080/', '0.0.0.0 is unspecified'],
  ])('refuses %s: %s', async (url, reason) => {
    const error = await refusedSave(url);

    expect(error.code).toBe('endpoint_url_address_refused');
    expect(error.details[0].message).toBe(reason);
    expect(error.message).toContain('BULLSEYE_DELIVERY_ALLOWED_HOSTS');
  });

  it('refuses a name that resolves to an internal address, on create and on change', async () => {
    const dns = t.stageDns(['127.0.0.1']);
    const error = await refusedSave('https://localhost/hook');

    dns.mockResolvedValue([PUBLIC_ADDRESS]);
    const created = await t
      .api()
      .post('/endpoints')
      .send({ name: 'x', url: 'https://hooks.example.com/hook', actionTypes: ['email'] })
      .expect(201);
    dns.mockResolvedValue([PUBLIC_ADDRESS, '192.168.0.7']);
    const changed = await t
      .api()
      .patch(`/endpoints/${created.body.id}`)
      .send({ url: 'https://hooks.example.com/other' })
      .expect(400);

    expect(error.details[0].message).toBe('localhost resolved to 127.0.0.1, which is loopback');
    expect(changed.body.error.details[0]).toEqual({
      path: '$.url',
      message: 'hooks.example.com resolved to 192.168.0.7, which is private',
    });
    expect(dns).toHaveBeenCalledWith('hooks.example.com');
  });
});

describe('delivering with http allowed and nothing internal allowed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ deliveryAllowHttp: true, deliveryAllowedHosts: [] });
  });

  afterAll(async () => {
    await t?.app.close();
  });

  it('refuses to save a name for 127.0.0.1', async () => {
    t.stageDns(['127.0.0.1']);

    const response = await t
      .api()
      .post('/endpoints')
      .send({ name: 'x', url: localhostUrl(), actionTypes: ['email'] })
      .expect(400);

    expect(response.body.error.code).toBe('endpoint_url_address_refused');
  });

  it('refuses at connect time a name that rebinds to 127.0.0.1, then dead-letters', async () => {
    const dns = t.stageDns([PUBLIC_ADDRESS], ['127.0.0.1']);
    const created = await t
      .api()
      .post('/endpoints')
      .send({ name: 'Rebinding', url: localhostUrl(), actionTypes: ['email'] })
      .expect(201);

    await t.sendOne();
    const waiting = await onlyDelivery(t.api, created.body.id);
    t.advance(1_000);
    await t.app.get(DispatcherService).drain();
    const dead = await onlyDelivery(t.api, created.body.id);

    const refusal = 'address_refused: localhost resolved to 127.0.0.1, which is loopback';
    expect(dns).toHaveBeenCalledTimes(3);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
    expect(waiting.attemptLog[0]).toMatchObject({ statusCode: null, error: refusal });
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastError: refusal });
    expect(receiver.received).toBe(0);
    await t.api().delete(`/endpoints/${created.body.id}`).expect(204);
  });

  it('checks an address literal at connect time too (a URL stored before the rules)', async () => {
    t.stageDns([PUBLIC_ADDRESS]);
    const created = await t
      .api()
      .post('/endpoints')
      .send({ name: 'Stored', url: 'http://hooks.example.com/hook', actionTypes: ['email'] })
      .expect(201);
    await t.app
      .get(DataSource)
      .query(`UPDATE "endpoints" SET "url" = ? WHERE "id" = ?`, [receiver.url(), created.body.id]);

    await t.sendOne();
    const waiting = await onlyDelivery(t.api, created.body.id);

    expect(waiting.attemptLog[0].error).toBe('address_refused: 127.0.0.1 is loopback');
    expect(receiver.received).toBe(0);
    await t.api().delete(`/endpoints/${created.body.id}`).expect(204);
  });
});
