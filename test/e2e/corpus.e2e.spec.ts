import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { generateSecret, signingKey, webhookHeaders } from '../../src/modules/delivery/signing';
import { ModelsService } from '../../src/modules/models/models.service';
import { GENERATORS } from '../corpus/generators';
import { readyApp, sharedData } from '../support/app';

/**
 * The adversarial corpus (test/corpus/manifest.json): every bad input goes through the real
 * API on a temporary SQLite file and must get the answer the manifest names — a 4xx with
 * its code, or an import with its per-row report — within its time limit, never a 500, with
 * the process still answering and the database unchanged (or changed by exactly the rows an
 * accepted import writes).
 */

interface ExpectedDetail {
  readonly path?: string;
  readonly line?: number;
  readonly row?: number;
  readonly column?: number;
  readonly field?: string;
  readonly message?: string;
}

interface ExpectedReport {
  readonly rowCount: number;
  readonly badRows: readonly ExpectedDetail[];
  readonly columns?: Readonly<Record<string, { type?: string; missing?: number }>>;
  readonly columnCount?: number;
  readonly delimiter?: string;
  /** A column whose stored values must contain this text (what invalid bytes became). */
  readonly decoded?: { column: string; contains: string };
}

interface CorpusCase {
  readonly id: string;
  readonly input: string;
  /** `METHOD /path`, with {draft}, {active} and {dataset} filled in from the corpus world. */
  readonly endpoint: string;
  /** multipart: an upload form; json: the bytes as they are; signed: json, signed as events. */
  readonly send: 'multipart' | 'json' | 'signed' | 'none';
  readonly file?: string;
  readonly generator?: string;
  readonly fields?: Readonly<Record<string, string>>;
  /** Form fields that carry the file (default one field, `file`). */
  readonly attach?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly sign?: {
    readonly with: 'integration' | 'stranger' | 'none';
    /** Seconds added to the clock for webhook-timestamp. */
    readonly timestamp?: number;
    readonly timestampText?: string;
    readonly webhookId?: string;
    /** Sign this corpus file instead of the body sent. */
    readonly body?: string;
  };
  readonly timeoutMs?: number;
  readonly expect: {
    readonly status: number;
    readonly code?: string;
    readonly details?: readonly ExpectedDetail[];
    readonly detailCodes?: readonly string[];
    readonly messageContains?: string;
    readonly report?: ExpectedReport;
    /** Rows the request adds, by table; every other table keeps its count. */
    readonly writes?: Readonly<Record<string, number>>;
    /** A request to POST to the same route whose probability must come back unchanged. */
    readonly sameProbabilityAs?: Record<string, unknown>;
  };
}

interface CaseInput {
  readonly file?: string;
  readonly body?: Buffer;
  readonly headers: Record<string, string>;
}

interface Manifest {
  readonly defaults: { readonly timeoutMs: number; readonly contentType: string };
  /** Tables a refused request may still write to, with the reason. */
  readonly countsIgnored: Readonly<Record<string, string>>;
  readonly cases: readonly CorpusCase[];
}

const CORPUS = path.resolve(__dirname, '../corpus');
const manifest = JSON.parse(
  fs.readFileSync(path.join(CORPUS, 'manifest.json'), 'utf8'),
) as Manifest;

describe('adversarial corpus', () => {
  let app: INestApplication;
  let db: DataSource;
  let generated: string;
  let uploads: string;
  let secret: string;
  const places: Record<string, string> = {};
  const http = () => request(app.getHttpServer());

  /** Rows in every table, from sqlite_master, but those the manifest says may change. */
  const tableCounts = async (): Promise<Record<string, number>> => {
    const tables: { name: string }[] = await db.query(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
       ORDER BY name`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      if (!Object.hasOwn(manifest.countsIgnored, name)) {
        const [row] = await db.query(`SELECT count(*) AS n FROM "${name}"`);
        counts[name] = Number(row.n);
      }
    }

    return counts;
  };

  beforeAll(async () => {
    generated = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-corpus-'));
    const config = loadConfig(
      {
        BULLSEYE_LOG_LEVEL: 'silent',
        BULLSEYE_AUTH: 'off',
        BULLSEYE_RATE_LIMIT: '0',
        BULLSEYE_BODY_LIMIT_MB: '1',
        BULLSEYE_UPLOAD_LIMIT_MB: '512',
        BULLSEYE_MAX_BAD_ROW_SHARE: '0.05',
        BULLSEYE_SCHEDULER_ENABLED: 'false',
      },
      { dataDir: path.join(generated, 'data'), dispatcherEnabled: false },
    );
    uploads = path.join(config.dataDir, 'uploads');
    app = await createApp(config);
    await readyApp(app);
    db = app.get(DataSource);

    // The world the cases aim at: a dataset, a champion, two campaigns and an integration.
    const dataset = await app.get(DatasetsService).importFile({
      file: sharedData('bank-marketing', 'bank.csv'),
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
    const rule = {
      name: 'likely',
      conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0.5 }] },
      event: { type: 'email', params: { template: 'corpus' } },
    };
    const draft = await http()
      .post('/campaigns')
      .send({ name: 'corpus-draft', modelName: 'bank' })
      .expect(201);
    const active = await http()
      .post('/campaigns')
      .send({ name: 'corpus-active', modelName: 'bank', rules: [rule] })
      .expect(201);
    await http().post(`/campaigns/${active.body.id}/activate`).expect(200);
    const integration = await http().post('/integrations').send({ name: 'corpus-shop' });
    expect(integration.status).toBe(201);
    Object.assign(places, {
      draft: draft.body.id,
      active: active.body.id,
      dataset: dataset.id,
    });
    secret = integration.body.secret;
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(generated, { recursive: true, force: true });
  });

  const fill = (text: string): string =>
    text.replace(/\{(draft|active|dataset)\}/g, (_, name: string) => places[name]);

  /** The bytes a case sends (or uploads), and the headers that go with them. */
  function inputOf(c: CorpusCase): CaseInput {
    const headers: Record<string, string> = {};
    if (c.generator) {
      const made = GENERATORS[c.generator](generated);
      Object.assign(headers, made.headers);
      if (made.file) {
        return { file: made.file, headers };
      }

      return { body: Buffer.from(made.body ?? ''), headers };
    }
    if (c.file === undefined) {
      return { headers };
    }
    const file = path.join(CORPUS, c.file);
    if (c.send === 'multipart') {
      return { file, headers };
    }

    return { body: Buffer.from(fill(fs.readFileSync(file, 'latin1')), 'latin1'), headers };
  }

  function signatureHeaders(c: CorpusCase, body: Buffer): Record<string, string> {
    const sign = c.sign ?? { with: 'integration' };
    if (sign.with === 'none') {
      return {};
    }
    const signed = sign.body ? fs.readFileSync(path.join(CORPUS, sign.body)) : body;
    const key = signingKey(sign.with === 'stranger' ? generateSecret() : secret);
    const headers: Record<string, string> = webhookHeaders([key], {
      id: sign.webhookId ?? `msg_corpus_${c.id}`,
      timestamp: Math.floor(Date.now() / 1000) + (sign.timestamp ?? 0),
      body: signed,
    });
    if (sign.timestampText !== undefined) {
      headers['webhook-timestamp'] = sign.timestampText;
    }

    return headers;
  }

  async function send(c: CorpusCase): Promise<request.Response> {
    const [method, route] = c.endpoint.split(' ');
    const timeout = c.timeoutMs ?? manifest.defaults.timeoutMs;
    const input = inputOf(c);
    let call = http()
      [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](fill(route))
      .timeout({ deadline: timeout });

    if (c.send === 'multipart') {
      for (const [name, value] of Object.entries(c.fields ?? {})) {
        call = call.field(name, value);
      }
      for (const field of c.attach ?? ['file']) {
        call = call.attach(field, input.file as string);
      }

      return call;
    }
    if (c.send === 'none') {
      return call;
    }
    const body = input.body ?? Buffer.alloc(0);
    const headers = {
      'content-type': manifest.defaults.contentType,
      ...input.headers,
      ...(c.send === 'signed' ? signatureHeaders(c, body) : {}),
      ...c.headers,
    };

    // The bytes go out exactly as they are, never re-serialised.
    return call
      .set(headers)
      .serialize((bytes: unknown) => bytes as string)
      .send(body as unknown as string);
  }

  function checkError(c: CorpusCase, response: request.Response): void {
    const { error } = response.body as {
      error: { code: string; message: string; details: (ExpectedDetail & { code?: string })[] };
    };
    const expected = c.expect;

    expect(error.message.length).toBeGreaterThan(10);
    expect(response.body.error.errorId).toBeUndefined();
    if (expected.code) {
      expect(error.code).toBe(expected.code);
    }
    for (const detail of expected.details ?? []) {
      expect(error.details).toContainEqual(expect.objectContaining(detail));
    }
    if (expected.detailCodes) {
      expect(error.details.map((d) => d.code)).toEqual(
        expect.arrayContaining([...expected.detailCodes]),
      );
    }
    if (expected.messageContains) {
      expect(error.message).toContain(expected.messageContains);
    }
  }

  async function checkReport(report: ExpectedReport, response: request.Response): Promise<void> {
    const view = response.body as {
      id: string;
      rowCount: number;
      delimiter: string | null;
      badRows: ExpectedDetail[];
      schema: { columns: { name: string; type: string }[] };
      profile: { columns: { name: string; type: string; missing: number }[] };
    };

    expect(view.rowCount).toBe(report.rowCount);
    expect(view.badRows).toHaveLength(report.badRows.length);
    report.badRows.forEach((bad, i) => expect(view.badRows[i]).toMatchObject(bad));
    for (const [name, column] of Object.entries(report.columns ?? {})) {
      expect(view.profile.columns.find((p) => p.name === name)).toMatchObject(column);
    }
    if (report.columnCount !== undefined) {
      expect(view.schema.columns).toHaveLength(report.columnCount);
    }
    if (report.delimiter !== undefined) {
      expect(view.delimiter).toBe(report.delimiter);
    }
    if (report.decoded) {
      const rows: { attributes: string }[] = await db.query(
        'SELECT attributes FROM dataset_records WHERE dataset_id = ?',
        [view.id],
      );
      const values = rows.map((r) => String(JSON.parse(r.attributes)[report.decoded!.column]));
      expect(values.some((v) => v.includes(report.decoded!.contains))).toBe(true);
    }
  }

  it('has at least 40 cases, each named once, each with a file or a generator it can find', () => {
    const ids = manifest.cases.map((c) => c.id);

    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of manifest.cases) {
      if (c.file) expect(fs.existsSync(path.join(CORPUS, c.file))).toBe(true);
      if (c.generator) expect(GENERATORS[c.generator]).toBeDefined();
    }
  });

  it.each(manifest.cases.map((c) => [c.id, c] as const))(
    '%s',
    async (_id, c) => {
      const before = await tableCounts();
      const response = await send(c);
      const after = await tableCounts();
      const expected = c.expect;

      expect(response.status).toBeLessThan(500);
      expect({ status: response.status, body: response.body }).toMatchObject({
        status: expected.status,
      });
      if (response.status >= 400) {
        checkError(c, response);
      }
      if (expected.report) {
        await checkReport(expected.report, response);
      }
      if (expected.sameProbabilityAs !== undefined) {
        const [, route] = c.endpoint.split(' ');
        const plain = await http().post(route).send(expected.sameProbabilityAs).expect(200);
        expect(response.body.probability).toBe(plain.body.probability);
      }
      const writes = expected.writes ?? {};
      const grown = Object.fromEntries(
        Object.entries(before).map(([table, n]) => [table, n + (writes[table] ?? 0)]),
      );
      expect(after).toEqual(grown);
      // The process still answers, kept no upload, and no prototype was polluted.
      await http().get('/health').expect(200);
      expect(fs.readdirSync(uploads)).toEqual([]);
      expect(Object.prototype).not.toHaveProperty('polluted');
    },
    // Jest's own limit sits past every request's deadline, so a hang fails as a deadline.
    Math.max(...manifest.cases.map((c) => c.timeoutMs ?? manifest.defaults.timeoutMs)) + 15_000,
  );
});
