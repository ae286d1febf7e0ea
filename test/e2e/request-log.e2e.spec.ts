import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startTestApp } from '../support/app';

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
    expect((line.req as { headers: Record<string, string> }).headers.authorization).toBe(
      '[Redacted]',
    );
    expect(JSON.stringify(line)).not.toMatch(/ann|bsk_not_a_real_key/);
  });

  it('gives a request without x-request-id an id of its own, and leaves out /health', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    await request(app.getHttpServer()).get('/models').expect(401);

    const ids = completed().map((line) => (line.req as { id: string; url: string }).url);

    expect(ids).toEqual(['/customers/:id/export', '/models']);
    expect((completed()[1].req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
