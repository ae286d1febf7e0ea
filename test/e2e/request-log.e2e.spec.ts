import type { Server } from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../src/modules/access/api-keys.service';
import { startTestApp } from '../support/app';

/** The port the app's server listens on, for a raw socket; it listens on one if not yet. */
async function portOf(app: INestApplication): Promise<number> {
  const server = app.getHttpServer() as Server;
  if (!server.listening) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  return (server.address() as AddressInfo).port;
}

/** Asks until `find` finds something, for up to 5 s. */
async function eventually<T>(find: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let waited = 0; waited < 5000; waited += 50) {
    const found = await find();
    if (found !== undefined) {
      return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('Nothing found in 5 s');
}

describe('the request log', () => {
  let app: INestApplication;
  let stderr: jest.SpyInstance;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stderr = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }

        return true;
      });
    ({ app } = await startTestApp({ logLevel: 'info', auth: 'required' }));
  });

  afterAll(async () => {
    await app?.close();
    stderr?.mockRestore();
  });

  const completed = () => lines.filter((line) => line.msg === 'request completed');

  it('writes one line a request with its id, route, status and time, and no secrets', async () => {
    await request(app.getHttpServer())
      .get('/customers/ann%40example.com/export')
      .set('x-request-id', 'trace-41')
      .set('Authorization', 'Bearer bsk_not_a_real_key')
      .expect(401);

    const [line] = completed();

    expect(completed()).toHaveLength(1);
    expect(line).toMatchObject({
      level: 30,
      service: 'bullseye',
      req: { id: 'trace-41', method: 'GET', url: '/customers/:id/export' },
      res: { statusCode: 401 },
      responseTime: expect.any(Number),
    });
    // No headers at all: they carry keys and cookies.
    expect(Object.keys(line.req as object).sort()).toEqual([
      'id',
      'method',
      'remoteAddress',
      'url',
    ]);
    expect(JSON.stringify(line)).not.toMatch(/ann|bsk_not_a_real_key/);
  });

  it('answers and logs a URL the router cannot read, with the security headers', async () => {
    const bad = await request(app.getHttpServer())
      .get('/customers/zq9x%E0%A4%A/scores')
      .set('x-request-id', 'bad-url-1')
      .expect(400);
    const long = await request(app.getHttpServer())
      .get(`/customers/${'a'.repeat(1100)}/scores`)
      .expect(414);

    expect(bad.body.error).toMatchObject({ code: 'bad_request', details: [] });
    expect(long.body.error.code).toBe('uri_too_long');
    expect(JSON.stringify([bad.body, long.body])).not.toMatch(/zq9x|aaaa/);
    for (const answer of [bad, long]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toBeDefined();
    }
    const line = completed().find((l) => (l.req as { id: string }).id === 'bad-url-1');
    expect(line).toMatchObject({ res: { statusCode: 400 } });
    expect(Object.keys(line!.req as object).sort()).toEqual(['id', 'method', 'remoteAddress']);
  });

  it('answers an upload the client cut short as its mistake, not as a fault of ours', async () => {
    const { key } = await app.get(ApiKeysService).create({ name: 'uploader', role: 'admin' });
    const port = await portOf(app);
    const head =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nage\n1\n';
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /datasets HTTP/1.1\r\nHost: x\r\nx-request-id: cut-1\r\n' +
        `Authorization: Bearer ${key}\r\n` +
        'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n' +
        head,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();

    const line = await eventually(() =>
      lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'cut-1'),
    );
    const audited = await eventually(async () => {
      const rows: { status: number }[] = await app
        .get(DataSource)
        .query("SELECT status FROM audit_log WHERE request_id = 'cut-1'");

      return rows[0];
    });

    expect(line).toMatchObject({ level: 30, msg: 'request aborted by the client' });
    expect(audited.status).toBe(400);
    expect(lines.filter((l) => l.msg === 'Unexpected error')).toEqual([]);
  });

  it('gives a request without x-request-id an id of its own, and leaves out GET /health', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    await request(app.getHttpServer()).get('/health/?probe=1').expect(200);
    await request(app.getHttpServer()).get('/models').expect(401);
    await request(app.getHttpServer()).post('/health').expect(404);

    // The lines of URLs the router could not read have no URL.
    const urls = completed()
      .map((line) => (line.req as { url?: string }).url)
      .filter((url) => url !== undefined);

    expect(urls).toEqual(['/customers/:id/export', '/models', '/health']);
    expect((completed().at(-1)!.req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names no customer in the lines of a suppression added and lifted', async () => {
    const { key } = await app.get(ApiKeysService).create({ name: 'suppressor', role: 'admin' });
    const before = lines.length;
    const path = '/customers/person22%40example.com/suppression';
    await request(app.getHttpServer())
      .put(path)
      .set('Authorization', `Bearer ${key}`)
      .send({ reason: 'do_not_contact' })
      .expect(200);
    await request(app.getHttpServer())
      .delete(path)
      .set('Authorization', `Bearer ${key}`)
      .expect((answer) => expect(answer.status).toBeLessThan(300));
    const written = lines.slice(before);

    expect(written.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['A customer suppressed (do_not_contact, from api)']),
    );
    expect(JSON.stringify(written)).not.toMatch(/person22/);
  });

  it('logs a fault of ours without the customer it was about', async () => {
    const { key } = await app.get(ApiKeysService).create({ name: 'faulty', role: 'admin' });
    const dataSource = app.get(DataSource);
    // The statement fails in the driver, which writes the values bound into its stack.
    await dataSource.query('ALTER TABLE suppressions RENAME TO suppressions_gone');
    try {
      await request(app.getHttpServer())
        .put('/customers/person21%40example.com/suppression')
        .set('Authorization', `Bearer ${key}`)
        .set('x-request-id', 'fault-1')
        .send({ reason: 'do_not_contact' })
        .expect(500);
    } finally {
      await dataSource.query('ALTER TABLE suppressions_gone RENAME TO suppressions');
    }
    const fault = lines.find((line) => line.msg === 'Unexpected error');

    expect(fault).toMatchObject({
      reqId: 'fault-1',
      err: { driverError: { code: 'SQLITE_ERROR' } },
    });
    expect(JSON.stringify(lines)).not.toMatch(/person21/);
  });
});
