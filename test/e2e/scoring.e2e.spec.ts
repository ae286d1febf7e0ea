import * as fs from 'node:fs';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { AppConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { ScoringProgress, ScoringService } from '../../src/modules/scoring/scoring.service';
import { readyApp, sharedData, startTestApp } from '../support/app';

type Row = Record<string, string | number>;

/** bank.csv read independently of the import: `;`-separated, text in double quotes. */
function readBank(): Row[] {
  const [header, ...lines] = fs
    .readFileSync(sharedData('bank-marketing', 'bank.csv'), 'utf8')
    .trim()
    .split('\n');
  const names = header.split(';').map((name) => JSON.parse(name) as string);

  return lines.map((line) => {
    const cells = line.split(';');

    return Object.fromEntries(
      names.map((name, i) => [
        name,
        cells[i].startsWith('"') ? (JSON.parse(cells[i]) as string) : Number(cells[i]),
      ]),
    );
  });
}

/** What a row of bank.csv holds that the model does not read: excluded, and the outcome. */
const UNUSED_COLUMNS = ['duration', 'y'];

// The import reads the yes/no column `housing` as a boolean, so the audience compares with true.
const AUDIENCE = {
  all: [
    { fact: 'age', operator: 'greaterThanInclusive', value: 40 },
    { fact: 'housing', operator: 'equal', value: true },
  ],
};

describe('scoring (bank marketing, 4,521 customers)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let scoring: ScoringService;
  let rows: Row[];
  let championVersion: number;

  beforeAll(async () => {
    ({ app, config } = await startTestApp());
    http = request(app.getHttpServer());
    db = app.get(DataSource);
    scoring = app.get(ScoringService);
    rows = readBank();

    const dataset = await app.get(DatasetsService).importFile({
      file: sharedData('bank-marketing', 'bank.csv'),
      name: 'bank',
      target: 'y',
      positiveLabel: 'yes',
      exclude: ['duration'],
    });
    const models = app.get(ModelsService);
    for (const [name, promote] of [
      ['bank', 'best'],
      ['bank-candidate', 'none'],
    ] as const) {
      const job = await models.train(name, {
        datasetId: dataset.id,
        plugins: [{ id: 'logistic' }],
        promote,
      });
      const done = await models.waitForJob(job.id);
      expect(done.status).toBe('succeeded');
    }
    championVersion = (await models.getModel('bank')).champion as number;
  });

  afterAll(async () => {
    await app.close();
  });

  const countScores = async (model: string): Promise<number> =>
    Number((await db.query('SELECT COUNT(*) AS n FROM scores WHERE model_name = ?', [model]))[0].n);

  it('scores only the audience: customers aged 40 or more with a housing loan', async () => {
    const expected = rows.filter((r) => (r.age as number) >= 40 && r.housing === 'yes').length;

    const response = await http
      .post('/scoring/runs')
      .send({ model: 'bank', audience: AUDIENCE })
      .expect(201);

    expect(expected).toBeGreaterThan(500);
    expect(response.body).toMatchObject({
      model: 'bank',
      version: championVersion,
      status: 'succeeded',
      audience: AUDIENCE,
      batchSize: 5000,
      customersRead: 4521,
      customersScored: expected,
    });
    expect(response.body.summary.customers).toBe(expected);
    expect(await countScores('bank')).toBe(expected);
    const outside = await db.query(
      `SELECT COUNT(*) AS n FROM scores s JOIN customers c ON c.id = s.customer_id
       WHERE json_extract(c.attributes, '$.age') < 40
          OR json_extract(c.attributes, '$.housing') IS NOT 1`,
    );
    expect(Number(outside[0].n)).toBe(0);
  });

  describe('every customer, in batches of 1,000', () => {
    let run: Awaited<ReturnType<ScoringService['scoreAll']>>;
    const progress: ScoringProgress[] = [];

    beforeAll(async () => {
      run = await scoring.scoreAll({
        modelName: 'bank',
        batchSize: 1000,
        onProgress: (step) => progress.push(step),
      });
    });

    it('stores one score per customer, all stamped with this run and the champion', async () => {
      expect(run).toMatchObject({
        status: 'succeeded',
        customersRead: 4521,
        customersScored: 4521,
      });
      expect(progress.map((p) => p.customersRead)).toEqual([1000, 2000, 3000, 4000, 4521]);
      expect(await countScores('bank')).toBe(4521);
      const stamps = await db.query(
        `SELECT scoring_run_id, model_version, COUNT(*) AS n FROM scores
         WHERE model_name = 'bank' GROUP BY scoring_run_id, model_version`,
      );
      expect(stamps).toEqual([{ scoring_run_id: run.id, model_version: championVersion, n: 4521 }]);
    });

    it('puts roughly a tenth of the customers in each decile', async () => {
      // The cut points come from the ~904 customers of the test split: the share of a decile
      // then varies with a standard deviation of about sqrt(0.1 × 0.9 / 904) ≈ 0.01, so
      // every decile should hold between 7% and 13% (three standard deviations).
      const byDecile: { decile: number; n: number }[] = await db.query(
        `SELECT decile, COUNT(*) AS n FROM scores WHERE model_name = 'bank'
         GROUP BY decile ORDER BY decile`,
      );

      expect(byDecile.map((d) => d.decile)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const { n } of byDecile) {
        expect(n / 4521).toBeGreaterThan(0.07);
        expect(n / 4521).toBeLessThan(0.13);
      }
      expect(run.summary?.deciles.map((d) => d.customers)).toEqual(byDecile.map((d) => d.n));
      // Decile 1 holds the highest scores.
      const means = run.summary?.deciles.map((d) => d.meanProbability as number) ?? [];
      expect([...means].sort((a, b) => b - a)).toEqual(means);
    });

    it('has a mean score within 0.02 of the positive rate (calibrated probabilities)', () => {
      const positiveRate = rows.filter((r) => r.y === 'yes').length / rows.length;

      expect(positiveRate).toBeCloseTo(521 / 4521, 10);
      expect(Math.abs((run.summary?.meanProbability as number) - positiveRate)).toBeLessThan(0.02);
    });

    it('is recorded with its summary, as GET /scoring/runs/:id shows', async () => {
      const response = await http.get(`/scoring/runs/${run.id}`).expect(200);

      expect(response.body).toMatchObject({ id: run.id, status: 'succeeded', audience: null });
      expect(response.body.summary).toEqual(run.summary);
      expect(response.body.finishedAt >= response.body.startedAt).toBe(true);
    });

    it('reads the scores of a model back page by page, resuming after a customer id', async () => {
      const ids: string[] = [];
      for await (const page of scoring.iterateScores({ modelName: 'bank', batchSize: 1000 })) {
        ids.push(...page.map((s) => s.customerId));
      }
      const resumed: string[] = [];
      for await (const page of scoring.iterateScores({
        modelName: 'bank',
        batchSize: 700,
        afterCustomerId: ids[3999],
      })) {
        resumed.push(...page.map((s) => s.customerId));
      }

      expect(ids).toHaveLength(4521);
      expect(new Set(ids).size).toBe(4521);
      expect([...ids].sort()).toEqual(ids);
      expect(resumed).toEqual(ids.slice(4000));
    });

    it.each([1, 1234, 4521])(
      'gives customer bank:%i the same probability in real time as in the batch',
      async (row) => {
        const id = `bank:${row}`;
        const stored = await http.get(`/customers/${encodeURIComponent(id)}/scores`).expect(200);
        const [batch] = stored.body.scores;

        const byId = await http.post('/score').send({ model: 'bank', customerId: id }).expect(200);
        const byAttributes = await http
          .post('/score')
          .send({ model: 'bank', customer: rows[row - 1] })
          .expect(200);

        expect(batch).toMatchObject({
          model: 'bank',
          version: championVersion,
          scoringRunId: run.id,
        });
        const expected = {
          probability: batch.probability,
          decile: batch.decile,
          model: 'bank',
          version: championVersion,
          versionId: batch.versionId,
        };
        expect(byId.body).toEqual(expected);
        expect(byAttributes.body).toEqual({
          ...expected,
          attributes: { unused: UNUSED_COLUMNS, imputed: [] },
        });
      },
    );
  });

  describe('errors', () => {
    it('answers 404 model_not_found for an unknown model', async () => {
      const score = await http.post('/score').send({ model: 'nope', customerId: 'bank:1' });
      const run = await http.post('/scoring/runs').send({ model: 'nope' });

      expect([score.status, score.body.error.code]).toEqual([404, 'model_not_found']);
      expect([run.status, run.body.error.code]).toEqual([404, 'model_not_found']);
    });

    it('answers 409 model_no_champion for a model without a champion', async () => {
      const score = await http
        .post('/score')
        .send({ model: 'bank-candidate', customerId: 'bank:1' });
      const run = await http.post('/scoring/runs').send({ model: 'bank-candidate' });

      expect([score.status, score.body.error.code]).toEqual([409, 'model_no_champion']);
      expect([run.status, run.body.error.code]).toEqual([409, 'model_no_champion']);
    });

    it('names each attribute of the wrong type (400)', async () => {
      const response = await http
        .post('/score')
        .send({ model: 'bank', customer: { ...rows[0], age: 'forty', job: 3 } })
        .expect(400);

      expect(response.body.error.code).toBe('customer_attributes_invalid');
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        '$.customer.age',
        '$.customer.job',
      ]);
      expect(response.body.error.message).toContain('$.customer.age must be a number');
    });

    it('says which attributes sent the model does not read, and which it imputed', async () => {
      const { age, ...rest } = rows[0];
      const response = await http
        .post('/score')
        .send({ model: 'bank', customer: { ...rest, agee: age, balance: '' } })
        .expect(200);

      expect(response.body.attributes).toEqual({
        unused: [...UNUSED_COLUMNS, 'agee'],
        imputed: ['age', 'balance'],
      });
    });

    it('wants exactly one of customer and customerId', async () => {
      const both = await http
        .post('/score')
        .send({ model: 'bank', customerId: 'bank:1', customer: rows[0] })
        .expect(400);
      const neither = await http.post('/score').send({ model: 'bank' }).expect(400);

      expect(both.body.error.code).toBe('score_request_invalid');
      expect(neither.body.error.code).toBe('score_request_invalid');
    });

    it('answers 404 for an unknown customer, scoring run or customer scores', async () => {
      const score = await http.post('/score').send({ model: 'bank', customerId: 'nobody' });
      const run = await http.get('/scoring/runs/no-such-run');
      const scores = await http.get('/customers/nobody/scores');

      expect([score.status, score.body.error.code]).toEqual([404, 'customer_not_found']);
      expect([run.status, run.body.error.code]).toEqual([404, 'scoring_run_not_found']);
      expect([scores.status, scores.body.error.code]).toEqual([404, 'customer_not_found']);
    });

    it('refuses an audience naming an unknown attribute, at its JSON path', async () => {
      const response = await http
        .post('/scoring/runs')
        .send({
          model: 'bank',
          audience: { all: [{ fact: 'agee', operator: 'greaterThan', value: 40 }] },
        })
        .expect(400);

      expect(response.body.error.code).toBe('audience_invalid');
      expect(response.body.error.details[0]).toMatchObject({
        path: '$.audience.all[0].fact',
        code: 'fact_unknown',
      });
      expect(response.body.error.message).toContain('did you mean "age"');
    });

    it('refuses a batch size out of range', async () => {
      const response = await http
        .post('/scoring/runs')
        .send({ model: 'bank', batchSize: 0 })
        .expect(400);

      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details[0].path).toBe('$.batchSize');
    });
  });

  it('marks a run left running by a stopped process as failed at the next start', async () => {
    const [finished] = await scoring.listRuns('bank', 1);
    await db.query(`UPDATE scoring_runs SET status = 'running', finished_at = NULL WHERE id = ?`, [
      finished.id,
    ]);

    const restarted = await createApp(config);
    await readyApp(restarted);
    try {
      const response = await request(restarted.getHttpServer())
        .get(`/scoring/runs/${finished.id}`)
        .expect(200);

      expect(response.body.status).toBe('failed');
      expect(response.body.error.code).toBe('scoring_run_interrupted');
      expect(response.body.finishedAt).not.toBeNull();
    } finally {
      await restarted.close();
    }
  });
});
