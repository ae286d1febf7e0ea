import * as fs from 'node:fs';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppConfig } from '../../src/config/config';
import { startTestApp } from '../support/app';

describe('GET /health', () => {
  let app: INestApplication;
  let config: AppConfig;

  beforeAll(async () => {
    ({ app, config } = await startTestApp());
  });

  afterAll(async () => {
    await app.close();
  });

  it('reports the SQLite file with its migrations applied and the TensorFlow.js backend', async () => {
    const response = await request(app.getHttpServer()).get('/health').expect(200);

    expect(response.body.status).toBe('ok');
    expect(response.body.database).toMatchObject({ ok: true, type: 'sqlite', journalMode: 'wal' });
    expect(response.body.database.pendingMigrations).toBe(false);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(response.body.tensorflow.backend);
    expect(fs.existsSync(config.databaseFile)).toBe(true);
  });

  it('answers an unknown route with the API error format', async () => {
    const response = await request(app.getHttpServer()).get('/no-such-route').expect(404);

    expect(response.body.error.code).toBe('not_found');
    expect(response.body.error.message).toContain('/no-such-route');
  });

  it('reads a path with a trailing slash as without, and takes ids over 100 characters', async () => {
    const slash = await request(app.getHttpServer()).get('/health/').expect(200);
    const long = await request(app.getHttpServer())
      .get(`/customers/${'c'.repeat(250)}/export`)
      .expect(404);

    expect(slash.body.status).toBe('ok');
    // The route answered (no such customer), not the router (no such route).
    expect(long.body.error.code).toBe('customer_not_found');
  });

  it('serves the OpenAPI document', async () => {
    const response = await request(app.getHttpServer()).get('/docs/json').expect(200);

    expect(response.body.paths['/health']).toBeDefined();
  });
});
