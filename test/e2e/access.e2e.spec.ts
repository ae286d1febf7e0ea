import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication, Logger, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildProgram } from '../../src/cli/main';
import type { AppConfig } from '../../src/config/config';
import { inTransaction } from '../../src/database/unit-of-work';
import { ApiKeysService } from '../../src/modules/access/api-keys.service';
import {
  CHANGES_NOTHING,
  ChangesNothingWhen,
  MUTATING_METHODS,
} from '../../src/modules/access/audit.service';
import { generateKey, hashKey } from '../../src/modules/access/key-material';
import type { Role } from '../../src/modules/access/roles';
import { DeliveryService } from '../../src/modules/delivery/delivery.service';
import { startTestApp } from '../support/app';

/** How long the server trusts a key's lookup here; a revocation by the CLI waits it out. */
const LOOKUP_CACHE_MS = 1000;

/**
 * Who may call each route, besides admin keys (which may call them all): `public` for
 * anyone without a key, else the roles; `integrator:own` for the deliveries of the
 * endpoints linked to an integrator key. A route missing here, or here but not served,
 * fails the walk below: a new route is added to this table on purpose.
 */
type Expected = 'public' | ('marketer' | 'integrator' | 'integrator:own')[];

const ADMIN: Expected = [];
const MARKETER: Expected = ['marketer'];
const INTEGRATOR: Expected = ['integrator'];
const MARKETER_AND_OWN: Expected = ['marketer', 'integrator:own'];

const TABLE: Record<string, Expected> = {
  'GET /health': 'public',

  'POST /keys': ADMIN,
  'GET /keys': ADMIN,
  'GET /keys/:id': ADMIN,
  'POST /keys/:id/revoke': ADMIN,
  'PUT /keys/:id/endpoints': ADMIN,
  'GET /audit': ADMIN,

  'POST /datasets': ADMIN,
  'GET /datasets': MARKETER,
  'GET /datasets/:id': MARKETER,

  'GET /models': MARKETER,
  'GET /models/:name': MARKETER,
  'GET /models/:name/versions/:version': MARKETER,
  'POST /models/:name/train': ADMIN,
  'POST /models/:name/versions/:version/promote': ADMIN,
  'POST /models/:name/rollback': ADMIN,
  'GET /jobs/:id': MARKETER,
  'POST /jobs/:id/cancel': ADMIN,
  'GET /plugins': MARKETER,

  'POST /schedules': ADMIN,
  'GET /schedules': MARKETER,
  'GET /schedules/:id': MARKETER,
  'PATCH /schedules/:id': ADMIN,
  'DELETE /schedules/:id': ADMIN,
  'GET /schedules/:id/runs': MARKETER,
  'GET /retraining-runs/:id': MARKETER,
  'POST /models/:name/retrain': ADMIN,
  'GET /models/:name/retraining-runs': MARKETER,
  'GET /models/:name/drift': MARKETER,

  'POST /score': MARKETER,
  'POST /scoring/runs': MARKETER,
  'GET /scoring/runs': MARKETER,
  'GET /scoring/runs/:id': MARKETER,
  'GET /customers/:id/scores': MARKETER,

  'POST /campaigns': MARKETER,
  'GET /campaigns': MARKETER,
  'GET /campaigns/:id': MARKETER,
  'PATCH /campaigns/:id': MARKETER,
  'DELETE /campaigns/:id': MARKETER,
  'POST /campaigns/:id/activate': MARKETER,
  'POST /campaigns/:id/pause': MARKETER,
  'POST /campaigns/:id/archive': MARKETER,
  'GET /campaigns/:id/rules': MARKETER,
  'PUT /campaigns/:id/rules': MARKETER,
  'GET /campaigns/:id/lift': MARKETER,
  'POST /campaigns/:id/simulate': MARKETER,
  'POST /campaigns/:id/runs': MARKETER,
  'GET /campaigns/:id/runs': MARKETER,
  'GET /runs/:id': MARKETER,
  'GET /runs/:id/decisions': MARKETER,
  'GET /decisions/:id': MARKETER,
  'GET /customers/:id/decisions': MARKETER,
  'POST /decide': MARKETER,
  'GET /customers/:id/suppression': MARKETER,
  'PUT /customers/:id/suppression': MARKETER,
  'DELETE /customers/:id/suppression': MARKETER,

  'DELETE /customers/:id': ADMIN,
  'GET /customers/:id/export': ADMIN,

  'POST /endpoints': ADMIN,
  'GET /endpoints': ADMIN,
  'GET /endpoints/:id': ADMIN,
  'PATCH /endpoints/:id': ADMIN,
  'DELETE /endpoints/:id': ADMIN,
  'POST /endpoints/:id/rotate-secret': ADMIN,
  'GET /deliveries': MARKETER_AND_OWN,
  'GET /deliveries/:id': MARKETER_AND_OWN,
  'POST /deliveries/replay': ADMIN,
  'POST /deliveries/:id/replay': ADMIN,

  'POST /events': INTEGRATOR,
  'POST /integrations': ADMIN,
  'GET /integrations': ADMIN,
  'GET /integrations/:id': ADMIN,
  'POST /integrations/:id/rotate-secret': ADMIN,
  'DELETE /integrations/:id': ADMIN,
};

/** The codes of the access check's refusals; any other answer means the call got through. */
const ACCESS_CODES = [
  'api_key_missing',
  'api_key_invalid',
  'api_key_revoked',
  'role_forbidden',
  'route_not_declared',
];

/** Each route handler of every controller, with its `METHOD /path`, from Nest's metadata. */
function routeHandlers(app: INestApplication): { route: string; handler: object }[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const found: { route: string; handler: object }[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new () => object) | undefined;
    for (const name of controller ? scanner.getAllMethodNames(controller.prototype) : []) {
      const handler = (controller!.prototype as Record<string, object>)[name];
      const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
      if (method === undefined) {
        continue;
      }
      const base = String(Reflect.getMetadata(PATH_METADATA, controller!) ?? '');
      const own = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const joined = [base, own].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean);
      found.push({ route: `${RequestMethod[method]} /${joined.join('/')}`, handler });
    }
  }

  return found.sort((a, b) => a.route.localeCompare(b.route));
}

/** Every route of every controller, as `METHOD /path`. */
function registeredRoutes(app: INestApplication): string[] {
  return routeHandlers(app)
    .map(({ route }) => route)
    .sort();
}

/** The routes whose `@ChangesNothing` holds for a request with the body `{}`. */
function routesChangingNothing(app: INestApplication): string[] {
  return routeHandlers(app)
    .filter(({ handler }) => {
      const when: ChangesNothingWhen | undefined = Reflect.getMetadata(CHANGES_NOTHING, handler);

      return when?.({ body: {} } as Parameters<ChangesNothingWhen>[0]) === true;
    })
    .map(({ route }) => route)
    .sort();
}

/** Asks until `read` gives a value (writes that do not hold up a request land shortly after). */
async function eventually<T>(read: () => Promise<T | null>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) {
      return value;
    }
    if (Date.now() > until) {
      throw new Error(`Still nothing after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function concretePath(route: string): string {
  return route.replace(/:version\b/g, '1').replace(/:\w+/g, 'no-such-id');
}

describe('access control', () => {
  let app: INestApplication;
  let config: AppConfig;
  let dataSource: DataSource;
  const keys: Record<Role, string> = { admin: '', marketer: '', integrator: '' };
  const keyIds: Record<Role, string> = { admin: '', marketer: '', integrator: '' };
  const warnings: string[] = [];

  const api = () => request(app.getHttpServer());
  const as = (role: Role) => ({ Authorization: `Bearer ${keys[role]}` });

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (message: unknown) {
      warnings.push(String(message));
    });
    ({ app, config } = await startTestApp({
      auth: 'required',
      rateLimitPerMinute: 0,
      lookupCacheMs: LOOKUP_CACHE_MS,
    }));
    dataSource = app.get(DataSource);
    const service = app.get(ApiKeysService);
    for (const role of ['admin', 'marketer', 'integrator'] as const) {
      const created = await service.create({ name: `walk-${role}`, role });
      keys[role] = created.key;
      keyIds[role] = created.id;
    }
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
  });

  describe('every registered route', () => {
    it('is in the expected table, and the table names no route that is not served', () => {
      const routes = registeredRoutes(app);

      expect(routes.length).toBeGreaterThan(60);
      expect(routes.filter((route) => !(route in TABLE))).toEqual([]);
      expect(Object.keys(TABLE).filter((route) => !routes.includes(route))).toEqual([]);
    });

    it('refuses a request without a key, or with a bad one, unless it is public', async () => {
      const wrong: string[] = [];
      const unknownKey = generateKey();
      for (const route of registeredRoutes(app)) {
        const [method, pattern] = route.split(' ');
        const url = concretePath(pattern);
        const send = (headers: Record<string, string>) =>
          api()
            [method.toLowerCase() as 'get'](url)
            .set(headers)
            .send(method === 'GET' ? undefined : {});

        const anonymous = await send({});
        const badKey = await send({ Authorization: `Bearer ${unknownKey}` });
        if (TABLE[route] === 'public') {
          if ([401, 403].includes(anonymous.status)) {
            wrong.push(`${route}: public, but ${anonymous.status} without a key`);
          }
          continue;
        }
        if (anonymous.status !== 401 || anonymous.body.error?.code !== 'api_key_missing') {
          wrong.push(`${route}: ${anonymous.status} ${anonymous.body.error?.code} without a key`);
        }
        if (badKey.status !== 401 || badKey.body.error?.code !== 'api_key_invalid') {
          wrong.push(`${route}: ${badKey.status} ${badKey.body.error?.code} with an unknown key`);
        }
      }

      expect(wrong).toEqual([]);
    });

    it('lets each role call exactly the routes the table gives it', async () => {
      const wrong: string[] = [];
      for (const route of registeredRoutes(app)) {
        const [method, pattern] = route.split(' ');
        const expected = TABLE[route];
        for (const role of ['admin', 'marketer', 'integrator'] as const) {
          const allowed =
            expected === 'public' ||
            role === 'admin' ||
            expected.some((grant) => grant === role || grant === `${role}:own`);
          const response = await api()
            [method.toLowerCase() as 'get'](concretePath(pattern))
            .set(as(role))
            .send(method === 'GET' ? undefined : {});
          const code: string | undefined = response.body?.error?.code;
          const refused = code !== undefined && ACCESS_CODES.includes(code);
          if (allowed && refused) {
            wrong.push(`${route}: ${role} refused (${response.status} ${code})`);
          }
          if (!allowed && (response.status !== 403 || code !== 'role_forbidden')) {
            wrong.push(`${route}: ${role} got ${response.status} ${code}, not 403 role_forbidden`);
          }
        }
      }

      expect(wrong).toEqual([]);
    });

    it('wrote an audit entry for each call above to a route that changes something', async () => {
      const mutating = registeredRoutes(app).filter((route) =>
        MUTATING_METHODS.has(route.split(' ')[0]),
      );
      const unaudited = routesChangingNothing(app);
      const audited: { action: string }[] = await dataSource.query(
        'SELECT DISTINCT action FROM audit_log WHERE key_id = ?',
        [keyIds.admin],
      );

      // The walk sent `{}` to each: no route but POST /score changes nothing for it.
      expect(unaudited).toEqual(['POST /score']);
      expect(audited.map((row) => row.action).sort()).toEqual(
        mutating.filter((route) => !unaudited.includes(route)),
      );
    });

    it('serves /health and the API docs without a key', async () => {
      await api().get('/health').expect(200);
      const docs = await api().get('/docs/json').expect(200);
      await api().get('/docs').expect(200);

      expect(docs.body.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer' });
    });

    it('logs no warning about running without keys when keys are required', () => {
      expect(warnings.filter((line) => line.includes('BULLSEYE_AUTH=off'))).toEqual([]);
    });
  });

  describe('API keys', () => {
    it('shows a key once, keeps only its SHA-256, and lists it by prefix', async () => {
      const created = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'crm', role: 'marketer' })
        .expect(201);
      const key: string = created.body.key;

      expect(key).toMatch(/^bsk_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({
        name: 'crm',
        role: 'marketer',
        prefix: key.slice(0, 12),
      });
      const list = await api().get('/keys').set(as('admin')).expect(200);
      const listed = list.body.find((entry: { id: string }) => entry.id === created.body.id);
      expect(listed).toMatchObject({ prefix: key.slice(0, 12), revokedAt: null });
      expect(listed.key).toBeUndefined();
      expect(JSON.stringify(list.body)).not.toContain(key);
      const rows = await dataSource.query(`SELECT * FROM "api_keys" WHERE "id" = ?`, [
        created.body.id,
      ]);
      expect(rows[0].key_hash).toBe(hashKey(key));
      expect(JSON.stringify(rows)).not.toContain(key.slice(12));
    });

    it('takes the key as a bearer token or in x-api-key, and refuses other schemes', async () => {
      await api().get('/campaigns').set(as('marketer')).expect(200);
      await api().get('/campaigns').set('x-api-key', keys.marketer).expect(200);
      const basic = await api()
        .get('/campaigns')
        .set('Authorization', `Basic ${Buffer.from(`u:${keys.marketer}`).toString('base64')}`)
        .expect(401);
      const missing = await api().get('/campaigns').expect(401);

      expect(basic.body.error.code).toBe('api_key_invalid');
      expect(missing.body.error).toMatchObject({ code: 'api_key_missing', details: [] });
      expect(missing.headers['www-authenticate']).toBe('Bearer');
    });

    it('notes when a key was last used, at most once a minute', async () => {
      const created = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'reporting', role: 'marketer' })
        .expect(201);
      expect(created.body.lastUsedAt).toBeNull();

      const before = Date.now();
      await api().get('/campaigns').set('x-api-key', created.body.key).expect(200);
      const first = await eventually(async () => {
        const shown = await api().get(`/keys/${created.body.id}`).set(as('admin')).expect(200);

        return shown.body.lastUsedAt as string | null;
      });
      expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 5);

      await api().get('/campaigns').set('x-api-key', created.body.key).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await api().get(`/keys/${created.body.id}`).set(as('admin')).expect(200);
      expect(again.body.lastUsedAt).toBe(first);
    });

    it('refuses a revoked key on its next request', async () => {
      const created = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'old-crm', role: 'marketer' })
        .expect(201);
      await api().get('/campaigns').set('x-api-key', created.body.key).expect(200);

      const revoked = await api()
        .post(`/keys/${created.body.id}/revoke`)
        .set(as('admin'))
        .expect(200);
      const refused = await api().get('/campaigns').set('x-api-key', created.body.key).expect(401);
      const again = await api()
        .post(`/keys/${created.body.id}/revoke`)
        .set(as('admin'))
        .expect(200);

      expect(refused.body.error.code).toBe('api_key_revoked');
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
      await api().post('/keys/key_nope/revoke').set(as('admin')).expect(404);
    });

    it('refuses a key without a valid role or name', async () => {
      const response = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'x', role: 'superuser' })
        .expect(400);

      expect(response.body.error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: '$.role' })]),
      );
    });
  });

  describe('integrator keys', () => {
    let own: string;
    let other: string;
    let integrator: { id: string; key: string };
    const deliveryOf: Record<string, string> = {};

    beforeAll(async () => {
      const endpoint = async (name: string) =>
        (
          await api()
            .post('/endpoints')
            .set(as('admin'))
            .send({ name, url: `http://127.0.0.1:9/${name}`, actionTypes: ['email'] })
            .expect(201)
        ).body.id as string;
      own = await endpoint('own');
      other = await endpoint('other');
      const created = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'esp', role: 'integrator', endpointIds: [own] })
        .expect(201);
      integrator = created.body;
      expect(created.body.endpointIds).toEqual([own]);

      await inTransaction(dataSource, (manager) =>
        app.get(DeliveryService).enqueue(manager, [
          {
            runId: 'run_access',
            campaignId: 'spring',
            decisionId: 'dec_access',
            customerId: 'c-1',
            type: 'email',
            params: { template: 'welcome' },
            score: 0.8,
            modelVersion: 'mv_1',
          },
        ]),
      );
      const rows: { id: string; endpoint_id: string }[] = await dataSource.query(
        `SELECT "id", "endpoint_id" FROM "deliveries" WHERE "run_id" = 'run_access'`,
      );
      for (const row of rows) {
        deliveryOf[row.endpoint_id] = row.id;
      }
      expect(Object.keys(deliveryOf).sort()).toEqual([own, other].sort());
    });

    const asIntegrator = () => ({ 'x-api-key': integrator.key });

    it('reads the deliveries of its own endpoints only', async () => {
      const mine = await api()
        .get('/deliveries')
        .query({ endpointId: own })
        .set(asIntegrator())
        .expect(200);
      const notMine = await api()
        .get('/deliveries')
        .query({ endpointId: other })
        .set(asIntegrator())
        .expect(403);
      const unnamed = await api().get('/deliveries').set(asIntegrator()).expect(403);

      expect(mine.body.items.map((d: { id: string }) => d.id)).toEqual([deliveryOf[own]]);
      expect(notMine.body.error.code).toBe('endpoint_not_owned');
      expect(unnamed.body.error.code).toBe('endpoint_required');
      expect(unnamed.body.error.message).toContain(own);
    });

    it("answers another endpoint's delivery as not found", async () => {
      const mine = await api()
        .get(`/deliveries/${deliveryOf[own]}`)
        .set(asIntegrator())
        .expect(200);
      const notMine = await api()
        .get(`/deliveries/${deliveryOf[other]}`)
        .set(asIntegrator())
        .expect(404);
      const marketer = await api().get('/deliveries').set(as('marketer')).expect(200);

      expect(mine.body.endpointId).toBe(own);
      expect(notMine.body.error.code).toBe('delivery_not_found');
      expect(marketer.body.total).toBeGreaterThanOrEqual(2);
    });

    it('follows the links an admin sets, and drops the link of a deleted endpoint', async () => {
      await api()
        .put(`/keys/${integrator.id}/endpoints`)
        .set(as('admin'))
        .send({ endpointIds: [other] })
        .expect(200);
      await api().get(`/deliveries/${deliveryOf[other]}`).set(asIntegrator()).expect(200);
      await api().get(`/deliveries/${deliveryOf[own]}`).set(asIntegrator()).expect(404);

      await api().delete(`/endpoints/${other}`).set(as('admin')).expect(204);
      const shown = await api().get(`/keys/${integrator.id}`).set(as('admin')).expect(200);

      expect(shown.body.endpointIds).toEqual([]);
    });

    it('links endpoints to integrator keys only, and only endpoints that exist', async () => {
      const marketer = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'm', role: 'marketer', endpointIds: [own] })
        .expect(400);
      const unknown = await api()
        .post('/keys')
        .set(as('admin'))
        .send({ name: 'i', role: 'integrator', endpointIds: [own, 'ep_nope'] })
        .expect(404);

      expect(marketer.body.error.code).toBe('api_key_endpoints_unused');
      expect(unknown.body.error).toMatchObject({
        code: 'endpoint_not_found',
        details: [{ path: '$.endpointIds[1]' }],
      });
    });
  });

  describe('the audit log', () => {
    it('records each mutating request with key, role, route, ids and status; not reads', async () => {
      const service = app.get(ApiKeysService);
      const ops = await service.create({ name: 'ops', role: 'admin' });
      const intern = await service.create({ name: 'intern', role: 'marketer' });
      const created = await api()
        .post('/endpoints')
        .set('x-api-key', ops.key)
        .send({ name: 'audited', url: 'http://127.0.0.1:9/audited', actionTypes: ['promo'] })
        .expect(201);
      const id: string = created.body.id;
      await api()
        .patch(`/endpoints/${id}`)
        .set('x-api-key', ops.key)
        .send({ name: 'renamed' })
        .expect(200);
      await api().get(`/endpoints/${id}`).set('x-api-key', ops.key).expect(200);
      await api().delete(`/endpoints/${id}`).set('x-api-key', intern.key).expect(403);
      await api().delete(`/endpoints/${id}`).set('x-api-key', ops.key).expect(204);
      await api()
        .patch(`/endpoints/${id}`)
        .set('x-api-key', ops.key)
        .send({ name: 'gone' })
        .expect(404);

      const log = await api().get('/audit').query({ target: id }).set(as('admin')).expect(200);
      const entries = log.body.items.map(
        (e: { action: string; status: number; keyName: string; role: string }) =>
          `${e.action} ${e.status} ${e.keyName} ${e.role}`,
      );

      expect(entries).toEqual([
        'PATCH /endpoints/:id 404 ops admin',
        'DELETE /endpoints/:id 204 ops admin',
        'DELETE /endpoints/:id 403 intern marketer',
        'PATCH /endpoints/:id 200 ops admin',
        'POST /endpoints 201 ops admin',
      ]);
      expect(log.body.items.at(-1)).toMatchObject({ keyId: ops.id, target: { id } });
      expect(log.body.items[0].requestId).toEqual(expect.any(String));
    });

    it('leaves out scores and dry runs, which change nothing, but not their refusals', async () => {
      const service = app.get(ApiKeysService);
      const scorer = await service.create({ name: 'site', role: 'marketer' });
      const partner = await service.create({ name: 'partner', role: 'integrator' });
      const attributes = { age: 41, job: 'management' };
      await api()
        .post('/score')
        .set('x-api-key', scorer.key)
        .send({ model: 'nobody', customer: attributes })
        .expect(404);
      await api()
        .post('/decide')
        .set('x-api-key', scorer.key)
        .send({ customer: { attributes }, dryRun: true })
        .expect(200);
      await api()
        .post('/decide')
        .set('x-api-key', scorer.key)
        .send({ customer: { attributes } })
        .expect(200);
      await api()
        .post('/score')
        .set('x-api-key', partner.key)
        .send({ model: 'nobody', customer: attributes })
        .expect(403);

      const log = await api()
        .get('/audit')
        .query({ method: 'POST', limit: 500 })
        .set(as('admin'))
        .expect(200);
      const entries = log.body.items
        .filter((e: { keyId: string }) => e.keyId === scorer.id || e.keyId === partner.id)
        .map(
          (e: { action: string; status: number; role: string }) =>
            `${e.action} ${e.status} ${e.role}`,
        );

      expect(entries).toEqual(['POST /score 403 integrator', 'POST /decide 200 marketer']);
    });

    it('filters by key, method, route, status and time', async () => {
      const get = async (query: Record<string, string | number>) =>
        (await api().get('/audit').query(query).set(as('admin')).expect(200)).body;
      const all = await get({ limit: 500 });
      const refused = await get({ status: 403, limit: 500 });
      const deletes = await get({ method: 'DELETE', route: '/endpoints/:id', limit: 500 });
      const future = await get({ since: new Date(Date.now() + 60_000).toISOString() });
      const [ops] = (await api().get('/keys').set(as('admin'))).body.filter(
        (key: { name: string }) => key.name === 'ops',
      );
      const byOps = await get({ keyId: ops.id, limit: 500 });

      expect(all.total).toBeGreaterThan(5);
      expect(refused.items.length).toBeGreaterThan(0);
      expect(refused.items.every((e: { status: number }) => e.status === 403)).toBe(true);
      expect(deletes.items.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['DELETE /endpoints/:id']),
      );
      expect(
        deletes.items.every((e: { action: string }) => e.action === 'DELETE /endpoints/:id'),
      ).toBe(true);
      expect(future.total).toBe(0);
      expect(byOps.total).toBe(4);
      expect(all.items.some((e: { action: string }) => e.action.startsWith('GET '))).toBe(false);
    });
  });

  describe('the keys command', () => {
    it('creates a key printed once, lists it without the key, and revokes it', async () => {
      const out: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        out.push(args.join(' '));
      });
      const info = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const run = async (...args: string[]) => {
        out.length = 0;
        await buildProgram().parseAsync([
          'node',
          'bullseye',
          '--data-dir',
          config.dataDir,
          'keys',
          ...args,
        ]);

        return out.join('\n');
      };

      let key: string;
      let listed: { id: string; name: string; prefix: string }[];
      try {
        key = (await run('create', '--role', 'marketer', '--name', 'from-cli')).trim();
        const table = await run('list');
        listed = JSON.parse(await run('list', '--json'));
        expect(table).toContain('from-cli');
        expect(table).not.toContain(key);
      } finally {
        log.mockRestore();
        info.mockRestore();
      }

      expect(key).toMatch(/^bsk_/);
      const entry = listed.find((k) => k.name === 'from-cli');
      expect(entry?.prefix).toBe(key.slice(0, 12));
      await api().get('/campaigns').set('x-api-key', key).expect(200);

      const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await run('revoke', entry!.id);
      } finally {
        quiet.mockRestore();
      }
      // Revoked by another process: the server trusts its lookup of the key until it expires.
      await new Promise((resolve) => setTimeout(resolve, LOOKUP_CACHE_MS + 100));
      const refused = await api().get('/campaigns').set('x-api-key', key).expect(401);
      expect(refused.body.error.code).toBe('api_key_revoked');
    });
  });
});

describe('rate limit, body limit, headers and CORS', () => {
  let app: INestApplication;
  const api = () => request(app.getHttpServer());
  let service: ApiKeysService;

  beforeAll(async () => {
    ({ app } = await startTestApp({
      auth: 'required',
      rateLimitPerMinute: 3,
      bodyLimitBytes: 4096,
      corsOrigins: ['https://app.example'],
      uploadLimitBytes: 1024 * 1024,
    }));
    service = app.get(ApiKeysService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('counts each key over every route, and answers 429 past the limit', async () => {
    const busy = await service.create({ name: 'busy', role: 'marketer' });
    const calm = await service.create({ name: 'calm', role: 'marketer' });
    const remaining: string[] = [];
    for (const route of ['/campaigns', '/models', '/datasets']) {
      const response = await api().get(route).set('x-api-key', busy.key).expect(200);
      remaining.push(response.headers['x-ratelimit-remaining']);
    }
    const refused = await api().get('/plugins').set('x-api-key', busy.key).expect(429);
    await api().get('/campaigns').set('x-api-key', calm.key).expect(200);

    expect(remaining).toEqual(['2', '1', '0']);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: [] });
    expect(refused.body.error.message).toContain('3 a minute');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts requests without a valid key by address, so guessing keys is slowed too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await api().get('/campaigns').set('x-api-key', generateKey())).status);
    }

    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('refuses a JSON body over the limit with 413, while uploads keep their own', async () => {
    const admin = await service.create({ name: 'uploader', role: 'admin' });
    const big = await api()
      .post('/endpoints')
      .set('x-api-key', admin.key)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(5000), url: 'http://127.0.0.1:9/', actionTypes: [] }))
      .expect(413);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-access-')), 'c.csv');
    const rows = Array.from(
      { length: 600 },
      (_, i) => `c${i},${20 + (i % 50)},${i % 2 ? 'yes' : 'no'}`,
    );
    fs.writeFileSync(file, `id,age,bought\n${rows.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(4096);

    const uploaded = await api()
      .post('/datasets')
      .set('x-api-key', admin.key)
      .field('target', 'bought')
      .field('positiveLabel', 'yes')
      .attach('file', file);

    expect(big.body.error).toMatchObject({ code: 'payload_too_large', details: [] });
    expect(uploaded.status).toBe(201);
  });

  it("sends helmet's headers, and CORS answers only the origins configured", async () => {
    const reader = await service.create({ name: 'reader', role: 'marketer' });
    const health = await api()
      .get('/campaigns')
      .set('x-api-key', reader.key)
      .set('Origin', 'https://evil.example')
      .expect(200);
    const allowed = await api()
      .options('/campaigns')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    const other = await api()
      .options('/campaigns')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');

    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");
    expect(health.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(health.headers['x-powered-by']).toBeUndefined();
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('BULLSEYE_AUTH=off', () => {
  it('answers without a key, records no key in the audit log, and warns at start', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (m: unknown) {
      warnings.push(String(m));
    });
    const { app } = await startTestApp();
    try {
      const api = () => request(app.getHttpServer());
      await api().get('/campaigns').expect(200);
      const created = await api()
        .post('/endpoints')
        .send({ name: 'local', url: 'http://127.0.0.1:9/local', actionTypes: ['email'] })
        .expect(201);
      const log = await api().get('/audit').expect(200);
      const cors = await api().get('/health').set('Origin', 'https://app.example');

      expect(log.body.items).toEqual([
        expect.objectContaining({
          action: 'POST /endpoints',
          keyId: null,
          role: null,
          target: { id: created.body.id },
          status: 201,
        }),
      ]);
      expect(cors.headers['access-control-allow-origin']).toBeUndefined();
      expect(warnings.filter((line) => line.includes('BULLSEYE_AUTH=off'))).toHaveLength(1);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});
