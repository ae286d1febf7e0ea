import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { UserError } from '../../src/common/errors';
import { AppConfig } from '../../src/config/config';
import { DatasetView } from '../../src/modules/datasets/dataset-schema';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { sharedData, startTestApp } from '../support/app';

const fixture = (name: string): string => path.resolve(__dirname, '../fixtures/datasets', name);
const BANK = sharedData('bank-marketing', 'bank.csv');
const BANK_FULL = sharedData('bank-marketing', 'bank-full.csv');

/** Bank marketing figures computed here from the raw text, independently of the import. */
function bankFigures(file: string): {
  rows: number;
  yes: number;
  no: number;
  ageMin: number;
  ageMax: number;
  ageMean: number;
} {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const header = lines[0].split(';').map((cell) => cell.replace(/"/g, ''));
  const ageAt = header.indexOf('age');
  const yAt = header.indexOf('y');
  const rows = lines.slice(1).map((line) => line.split(';').map((cell) => cell.replace(/"/g, '')));
  const ages = rows.map((row) => Number(row[ageAt]));

  return {
    rows: rows.length,
    yes: rows.filter((row) => row[yAt] === 'yes').length,
    no: rows.filter((row) => row[yAt] === 'no').length,
    ageMin: Math.min(...ages),
    ageMax: Math.max(...ages),
    ageMean: ages.reduce((sum, age) => sum + age, 0) / ages.length,
  };
}

describe('datasets', () => {
  let app: INestApplication;
  let config: AppConfig;
  let dataSource: DataSource;
  let datasets: DatasetsService;

  const counts = async (): Promise<Record<string, number>> => {
    const [row] = await dataSource.query(
      `SELECT (SELECT count(*) FROM datasets) AS datasets, (SELECT count(*) FROM customers) AS customers,
              (SELECT count(*) FROM dataset_records) AS records`,
    );

    return row;
  };
  const uploads = (): string[] => fs.readdirSync(path.join(config.dataDir, 'uploads'));
  const upload = (file: string, fields: Record<string, string> = {}) => {
    const post = request(app.getHttpServer()).post('/datasets');
    for (const [name, value] of Object.entries(fields)) {
      post.field(name, value);
    }

    return post.attach('file', file);
  };

  beforeAll(async () => {
    ({ app, config } = await startTestApp({ uploadLimitBytes: 1024 * 1024 }));
    dataSource = app.get(DataSource);
    datasets = app.get(DatasetsService);
  });

  afterAll(async () => {
    await app.close();
  });

  describe('POST /datasets with bank.csv', () => {
    let view: DatasetView;

    beforeAll(async () => {
      const response = await upload(BANK, {
        target: 'y',
        positiveLabel: 'yes',
        exclude: 'duration',
      });
      expect(response.status).toBe(201);
      view = response.body;
    });

    it('imports every row, with the class balance and figures computed from the raw file', () => {
      const expected = bankFigures(BANK);
      const age = view.profile.columns.find((c) => c.name === 'age');

      expect(expected).toMatchObject({ rows: 4521, yes: 521, no: 4000 });
      expect(view.rowCount).toBe(expected.rows);
      expect(view.badRowCount).toBe(0);
      expect(view.delimiter).toBe(';');
      expect(view.profile.classBalance).toEqual([
        { label: 'no', count: expected.no, share: expected.no / expected.rows, positive: false },
        { label: 'yes', count: expected.yes, share: expected.yes / expected.rows, positive: true },
      ]);
      expect(age).toMatchObject({ type: 'numeric', min: expected.ageMin, max: expected.ageMax });
      expect(age?.mean).toBeCloseTo(expected.ageMean, 9);
    });

    it('infers types and roles: yes/no is boolean, y the target, duration excluded', () => {
      const columns = Object.fromEntries(
        view.schema.columns.map((c) => [c.name, `${c.type}/${c.role}`]),
      );

      expect(columns).toMatchObject({
        age: 'numeric/feature',
        job: 'categorical/feature',
        default: 'boolean/feature',
        balance: 'numeric/feature',
        month: 'categorical/feature',
        duration: 'numeric/excluded',
        pdays: 'numeric/feature',
        y: 'boolean/target',
      });
      expect(view.schema.positiveLabel).toBe('yes');
      expect(view.schema.idColumn).toBeUndefined();
    });

    it('stores the customers and the snapshot, and deletes the uploaded file', async () => {
      const [{ n }] = await dataSource.query(
        `SELECT count(*) AS n FROM dataset_records WHERE dataset_id = ? AND label = 1`,
        [view.id],
      );
      const [first] = await dataSource.query(
        `SELECT attributes FROM customers WHERE id = 'bank:1'`,
      );

      expect(n).toBe(521);
      expect(JSON.parse(first.attributes)).toMatchObject({ age: 30, job: 'unemployed', y: false });
      expect(uploads()).toEqual([]);
    });

    it('lists and returns the dataset, and answers an unknown id with 404', async () => {
      const list = await request(app.getHttpServer()).get('/datasets').expect(200);
      const one = await request(app.getHttpServer()).get(`/datasets/${view.id}`).expect(200);
      const missing = await request(app.getHttpServer()).get('/datasets/nope').expect(404);

      expect(list.body.map((d: DatasetView) => d.id)).toContain(view.id);
      expect(one.body).toEqual(view);
      expect(missing.body.error.code).toBe('dataset_not_found');
    });

    it('upserts the same customers when the file is uploaded again', async () => {
      const before = await counts();
      const again = await upload(BANK, { target: 'y' }).expect(201);
      const after = await counts();

      expect(after.customers).toBe(before.customers);
      expect(after.records).toBe(before.records + 4521);
      expect(after.datasets).toBe(before.datasets + 1);
      const [row] = await dataSource.query(
        `SELECT dataset_id FROM customers WHERE id = 'bank:4521'`,
      );
      expect(row.dataset_id).toBe(again.body.id);
    });
  });

  it('documents the upload as multipart with a binary file field', async () => {
    const response = await request(app.getHttpServer()).get('/docs/json').expect(200);
    const content = response.body.paths['/datasets'].post.requestBody.content;

    expect(Object.keys(content)).toEqual(['multipart/form-data']);
    expect(content['multipart/form-data'].schema.$ref).toBe(
      '#/components/schemas/ImportDatasetForm',
    );
    expect(response.body.components.schemas.ImportDatasetForm.properties.file).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    expect(Object.keys(response.body.paths['/datasets/{id}'])).toEqual(['get']);
  });

  it('imports bank-full.csv through the service: 45,211 rows, 5,289 positives, in seconds', async () => {
    const stages = new Set<string>();
    let last = { bytes: 0, totalBytes: -1 };
    const started = Date.now();
    const view = await datasets.importFile({
      file: BANK_FULL,
      target: 'y',
      exclude: ['duration'],
      onProgress: (p) => {
        stages.add(p.stage);
        last = p;
      },
    });
    const seconds = (Date.now() - started) / 1000;
    const training = await datasets.loadTrainingSet(view.id);
    const positives = training.labels.reduce((sum, label) => sum + label, 0);
    process.stdout.write(
      `bank-full.csv: ${view.rowCount} rows imported in ${seconds.toFixed(2)} s\n`,
    );

    expect(view.rowCount).toBe(45211);
    expect(training.records).toHaveLength(45211);
    expect(positives).toBe(5289);
    expect(training.customerIds[0]).toBe('bank-full:1');
    expect(training.records[0]).toMatchObject({ age: 58, job: 'management', balance: 2143 });
    expect(training.schema.columns.find((c) => c.name === 'duration')?.role).toBe('excluded');
    expect([...stages]).toEqual(['scanning', 'importing']);
    expect(last.bytes).toBe(last.totalBytes);
    expect(seconds).toBeLessThan(45);
  });

  describe('a failed import writes nothing', () => {
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['an empty file', 'empty.csv', {}, 422, 'dataset_empty'],
      ['a header only', 'header-only.csv', {}, 422, 'dataset_no_rows'],
      ['data on the first line', 'no-header.csv', {}, 422, 'dataset_no_header'],
      ['duplicate columns', 'duplicate-columns.csv', {}, 422, 'dataset_duplicate_columns'],
      ['a target of one class', 'one-class.csv', { target: 'y' }, 422, 'dataset_target_one_class'],
      [
        'a customer id twice',
        'duplicate-ids.csv',
        { target: 'y', idColumn: 'customer_id' },
        422,
        'dataset_duplicate_ids',
      ],
      [
        'an unknown type',
        'one-class.csv',
        { types: '{"age":"integer"}' },
        400,
        'dataset_type_invalid',
      ],
      ['types that are not JSON', 'one-class.csv', { types: '{age' }, 400, 'validation_failed'],
    ];

    it.each(cases)('refuses %s (%s)', async (_what, file, fields, status, code) => {
      const before = await counts();
      const response = await upload(fixture(file), fields);

      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(await counts()).toEqual(before);
      expect(uploads()).toEqual([]);
    });

    it('names the duplicate columns', async () => {
      const response = await upload(fixture('duplicate-columns.csv')).expect(422);

      expect(response.body.error.message).toContain('"job"');
      expect(response.body.error.details).toEqual([
        { line: 1, field: 'job', message: 'columns 2 and 4 share this name' },
      ]);
    });

    it('refuses a target that is not in the file and a positive label that never occurs', async () => {
      const before = await counts();
      const noTarget = await upload(BANK, { target: 'subscribed' }).expect(422);
      const noLabel = await upload(BANK, { target: 'y', positiveLabel: 'maybe' }).expect(422);

      expect(noTarget.body.error.code).toBe('dataset_target_missing');
      expect(noLabel.body.error.code).toBe('dataset_positive_label_missing');
      expect(noLabel.body.error.message).toContain('it holds "no", "yes"');
      expect(await counts()).toEqual(before);
    });

    it('refuses more bad rows than allowed, listing the first with their lines', async () => {
      const before = await counts();
      const response = await upload(fixture('bad-rows.csv'), {
        target: 'y',
        maxBadRowShare: '0.01',
      });

      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('dataset_too_many_bad_rows');
      expect(response.body.error.details).toEqual([
        { line: 14, row: 13, column: 2, field: 'age', message: '"abc" is not a number' },
        { line: 57, row: 56, message: 'expected 5 fields as in the header, found 4' },
      ]);
      expect(await counts()).toEqual(before);
    });

    it('refuses an unterminated quote with the line it starts on', async () => {
      const response = await upload(fixture('unterminated-quote.csv')).expect(422);

      expect(response.body.error.code).toBe('dataset_malformed');
      expect(response.body.error.details[0].line).toBe(3);
      expect(response.body.error.message).toContain('line 3');
    });

    it('refuses a file beyond the upload limit with 413 and keeps no part of it', async () => {
      const before = await counts();
      const response = await upload(BANK_FULL);

      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('dataset_too_large');
      expect(await counts()).toEqual(before);
      expect(uploads()).toEqual([]);
    });

    it('asks for the file when the upload has none', async () => {
      const response = await request(app.getHttpServer())
        .post('/datasets')
        .field('name', 'nothing')
        .expect(400);

      expect(response.body.error.code).toBe('dataset_file_missing');
    });
  });

  it('keeps a few bad rows out and reports them with line and column', async () => {
    const response = await upload(fixture('bad-rows.csv'), { target: 'y' }).expect(201);
    const view: DatasetView = response.body;

    expect(view.rowCount).toBe(117);
    expect(view.badRowCount).toBe(3);
    expect(view.badRows.map((bad) => [bad.line, bad.field ?? null])).toEqual([
      [14, 'age'],
      [57, null],
      [98, null],
    ]);
    expect(view.badRows[2].message).toBe(
      'expected 5 fields as in the header, found 6; quote values that contain ","',
    );
    expect(view.schema.idColumn).toBe('id');
    expect(view.profile.columns.find((c) => c.name === 'age')?.type).toBe('numeric');
  });

  it('reads a file with a byte order mark, CRLF line ends and quoted delimiters', async () => {
    const response = await upload(fixture('bom-crlf.csv'), { target: 'subscribed' }).expect(201);
    const view: DatasetView = response.body;
    const customers: { id: string; attributes: string }[] = await dataSource.query(
      `SELECT id, attributes FROM customers WHERE dataset_id = ? ORDER BY id`,
      [view.id],
    );

    expect(view.delimiter).toBe(';');
    expect(view.schema.columns.map((c) => c.name)).toEqual([
      'customer_id',
      'name',
      'city',
      'spend',
      'subscribed',
    ]);
    expect(view.rowCount).toBe(4);
    expect(customers.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(customers.map((c) => JSON.parse(c.attributes))).toEqual([
      { name: 'Smith; John', city: 'Porto', spend: 12.5, subscribed: true },
      { name: 'Doe; Jane', city: 'Lisbon', spend: 7, subscribed: false },
      { name: 'Said "hi"', city: 'Braga', spend: null, subscribed: false },
      { name: 'Lee', city: 'Faro; Algarve', spend: 3.25, subscribed: true },
    ]);
  });

  it('imports JSON lines: native types, keys that come late, bad lines by number', async () => {
    const before = await counts();
    const view = await datasets.importFile({
      file: fixture('customers.jsonl'),
      maxBadRowShare: 0.5,
    });
    const types = Object.fromEntries(view.schema.columns.map((c) => [c.name, c.type]));
    const missing = Object.fromEntries(view.profile.columns.map((c) => [c.name, c.missing]));

    expect(view.format).toBe('jsonl');
    expect(view.delimiter).toBeNull();
    expect(types).toEqual({
      customer_id: 'identifier',
      age: 'numeric',
      vip: 'boolean',
      plan: 'categorical',
      signup: 'date',
      channel: 'categorical',
    });
    expect(view.rowCount).toBe(4);
    expect(missing).toMatchObject({ age: 1, channel: 2 });
    expect(view.badRows.map((bad) => [bad.line, bad.field ?? null])).toEqual([
      [5, 'plan'],
      [7, null],
    ]);
    expect((await counts()).customers).toBe(before.customers + 4);
    const [u5] = await dataSource.query(`SELECT attributes FROM customers WHERE id = 'u5'`);
    expect(JSON.parse(u5.attributes)).toEqual({
      age: 45,
      vip: false,
      plan: 'bronze',
      signup: '2024-04-10',
      channel: 'store',
    });
  });

  it('upserts customers by id on re-import: same count, new attributes', async () => {
    const first = await datasets.importFile({ file: fixture('reimport-v1.csv'), name: 'crm' });
    const afterFirst = await counts();
    const [created] = await dataSource.query(`SELECT created_at FROM customers WHERE id = 'k1'`);
    const second = await datasets.importFile({ file: fixture('reimport-v2.csv'), name: 'crm' });
    const afterSecond = await counts();
    const [k1] = await dataSource.query(`SELECT * FROM customers WHERE id = 'k1'`);

    expect(first.schema.idColumn).toBe('customer_id');
    expect(afterSecond.customers).toBe(afterFirst.customers);
    expect(JSON.parse(k1.attributes)).toEqual({ segment: 'loyal', spend: 15 });
    expect(k1.dataset_id).toBe(second.id);
    expect(k1.created_at).toBe(created.created_at);
    // The first dataset still trains on what it imported.
    const [snapshot] = await dataSource.query(
      `SELECT attributes FROM dataset_records WHERE dataset_id = ? AND customer_id = 'k1'`,
      [first.id],
    );
    expect(JSON.parse(snapshot.attributes)).toEqual({ segment: 'new', spend: 10 });
  });

  it('refuses to load a training set without target, and pages customers by id', async () => {
    const crm = (await datasets.list()).find((d) => d.name === 'crm') as DatasetView;
    const error = await datasets.loadTrainingSet(crm.id).catch((e: unknown) => e);
    const seen: string[] = [];
    let batches = 0;
    for await (const batch of datasets.iterateCustomers({ batchSize: 1000 })) {
      batches++;
      seen.push(...batch.map((customer) => customer.id));
    }
    const resumed: string[] = [];
    for await (const batch of datasets.iterateCustomers({ batchSize: 2, afterId: 'k1' })) {
      resumed.push(...batch.map((customer) => customer.id));
    }
    const { customers } = await counts();

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('dataset_no_target');
    expect(seen).toHaveLength(customers);
    expect(new Set(seen).size).toBe(customers);
    expect(seen).toEqual([...seen].sort());
    expect(batches).toBe(Math.ceil(customers / 1000));
    expect(resumed[0]).toBe('k2');
    expect(resumed).toEqual(seen.slice(seen.indexOf('k1') + 1));
  });
});
