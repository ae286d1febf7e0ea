import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app';
import { buildProgram } from '../../src/cli/main';
import { loadConfig } from '../../src/config/config';
import { readyApp, sharedData } from '../support/app';

/**
 * docs/writing-a-plugin.md, followed step by step: the plugin folder of the guide
 * (examples/plugin-naive-bayes, unbuilt, so Bullseye loads its TypeScript source), loaded
 * through `BULLSEYE_PLUGINS`, listed by `GET /plugins` and `bullseye plugins`, trained
 * through the REST API on bank-full.csv and used to score. Beside it, plugin folders that
 * go wrong in each way the guide lists, and plugins that misbehave while training.
 */
const PLUGIN_DIR = path.resolve(__dirname, '../../examples/plugin-naive-bayes');

/**
 * Test ROC AUC of naive-bayes (defaults, seed 42, stratified 80/20) measured on this split:
 * 0.8288 with `duration` and 0.7537 without. The floors sit 0.01 below, room for small
 * changes in preprocessing; a broken plugin or pipeline lands far lower. Gaussian naive Bayes
 * stays under logistic regression (0.9055 / 0.7718) because it treats the correlated one-hot
 * columns as independent.
 */
const MIN_ROC_AUC = { withDuration: 0.82, withoutDuration: 0.745 };

const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-plugins-'));
const trainingLog = path.join(fixtures, 'hanging.log');

/** A plugin folder with one CommonJS file, `index.js`. */
function pluginFolder(name: string, source: string): string {
  const dir = path.join(fixtures, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.js'), source);

  return dir;
}

/** A manifest that passes validation, with `changes`; the plugin predicts ½. */
function manifest(changes: Record<string, unknown>): string {
  return JSON.stringify({
    version: '1.0.0',
    contractVersion: '1.0.0',
    displayName: 'Fixture',
    description: 'A plugin written by this test.',
    hyperparameters: { type: 'object', properties: {} },
    ...changes,
  });
}

const broken = pluginFolder(
  'broken',
  "throw new Error('this plugin cannot reach its licence server');",
);
const invalid = pluginFolder(
  'invalid-manifest',
  `exports.default = {
    ...${manifest({ id: 'Naive Bayes', version: 'latest', displayName: '' })},
    train: async () => null,
  };`,
);
const clash = pluginFolder(
  'clashing-id',
  `exports.default = {
    ...${manifest({ id: 'logistic' })},
    train: async () => null,
    deserialize: async () => null,
  };`,
);
const future = pluginFolder(
  'future-contract',
  `exports.default = {
    ...${manifest({ id: 'future', contractVersion: '2.0.0' })},
    train: async () => null,
    deserialize: async () => null,
  };`,
);
// A plain JavaScript plugin using the SDK: it trains, then predicts NaN for every row.
const nanOutput = pluginFolder(
  'nan-output',
  `const { definePlugin, checkTrainingSet } = require('bullseye/plugin');
  const model = {
    predict: async ({ features }) => new Float64Array(features.rows).fill(NaN),
    serialize: async () => ({ format: 'nan/1', data: {} }),
  };
  module.exports = definePlugin({
    ...${manifest({ id: 'nan-output' })},
    train: async (args) => (checkTrainingSet(args), model),
    deserialize: async () => model,
  });`,
);
// Trains forever and ignores its signal, noting when it starts and when it is aborted.
const hanging = pluginFolder(
  'hanging',
  `const fs = require('node:fs');
  const note = (line) => fs.appendFileSync(${JSON.stringify(trainingLog)}, line + '\\n');
  exports.plugin = {
    ...${manifest({ id: 'hanging' })},
    train: ({ signal }) => {
      note('started');
      signal.addEventListener('abort', () => note('aborted'));
      return new Promise(() => undefined);
    },
    deserialize: async () => { throw new Error('never trained'); },
  };`,
);

/** Starts Bullseye with these settings, as the environment would give them. */
async function startWith(env: Record<string, string>): Promise<INestApplication> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-test-'));
  // API keys are the access specs' concern; this one is about plugins.
  const config = loadConfig(
    { BULLSEYE_LOG_LEVEL: 'silent', BULLSEYE_AUTH: 'off', BULLSEYE_RATE_LIMIT: '0', ...env },
    { dataDir },
  );
  const app = await createApp(config);
  await readyApp(app);

  return app;
}

async function upload(app: INestApplication, file: string, fields: Record<string, string>) {
  const post = request(app.getHttpServer()).post('/datasets');
  for (const [name, value] of Object.entries(fields)) post.field(name, value);
  const { body } = await post.attach('file', file).expect(201);

  return body.id as string;
}

async function pollJob(app: INestApplication, jobId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { body } = await request(app.getHttpServer()).get(`/jobs/${jobId}`).expect(200);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) {
      return body;
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

describe('a plugin loaded from BULLSEYE_PLUGINS, as docs/writing-a-plugin.md shows', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const configured = [PLUGIN_DIR, broken, invalid, clash, future].join(',');

  beforeAll(async () => {
    app = await startWith({ BULLSEYE_PLUGINS: configured });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists it with its manifest after the built-ins, then each failure and why', async () => {
    const { body } = await http().get('/plugins').expect(200);
    const naiveBayes = body.find((p: { id: string }) => p.id === 'naive-bayes');
    const failures = body.filter((p: { status: string }) => p.status === 'failed');

    expect(body.map((p: Record<string, string>) => [p.status, p.id, p.source])).toEqual([
      ['loaded', 'logistic', 'built-in'],
      ['loaded', 'svm', 'built-in'],
      ['loaded', 'neural', 'built-in'],
      ['loaded', 'naive-bayes', PLUGIN_DIR],
      ['failed', null, broken],
      ['failed', 'Naive Bayes', invalid],
      ['failed', 'logistic', clash],
      ['failed', 'future', future],
    ]);
    expect(naiveBayes).toMatchObject({
      version: '1.0.0',
      contractVersion: '1.0.0',
      displayName: 'Gaussian naive Bayes',
      capabilities: { sampleWeights: true, explain: true },
      hyperparameters: { properties: { varSmoothing: { default: 0.01 } } },
    });
    expect(failures.map((f: Record<string, string>) => [f.code, f.reason])).toEqual([
      [
        'plugin_load_failed',
        `loading ${path.join(broken, 'index.js')} threw: this plugin cannot reach its licence server`,
      ],
      ['plugin_manifest_invalid', expect.stringContaining('$.id must match pattern')],
      ['plugin_id_taken', expect.stringContaining('already used by the plugin from built-in')],
      ['plugin_contract_incompatible', expect.stringContaining('major versions differ')],
    ]);
    expect(failures[1].details.map((d: { path: string }) => d.path)).toEqual([
      '$.id',
      '$.version',
      '$.displayName',
      '$.deserialize',
    ]);
  });

  it('keeps serving: health answers and unknown ids are still refused', async () => {
    await http().get('/health').expect(200);
    const { body } = await http()
      .post('/models/x/train')
      .send({ datasetId: 'none', plugins: [{ id: 'future' }] })
      .expect(400);

    expect(body.error.code).toBe('plugin_unknown');
    expect(body.error.message).toContain('known plugins: logistic, svm, neural, naive-bayes');
  });

  it('`bullseye plugins` prints the same, from the same setting', async () => {
    const saved = { ...process.env };
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
      printed.push(line);
    });
    try {
      Object.assign(process.env, { BULLSEYE_PLUGINS: configured, BULLSEYE_LOG_LEVEL: 'silent' });
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-cli-'));
      await buildProgram().parseAsync(['node', 'bullseye', '--data-dir', dataDir, 'plugins']);
    } finally {
      log.mockRestore();
      process.env = saved;
    }

    expect(printed).toEqual(
      expect.arrayContaining([
        'naive-bayes 1.0.0 — Gaussian naive Bayes',
        `  from ${PLUGIN_DIR}, contract 1.0.0, capabilities: sampleWeights, explain`,
        `not loaded: ${broken} (plugin_load_failed)`,
        `not loaded: ${future} (plugin_contract_incompatible)`,
      ]),
    );
  });

  const figures: Record<string, number> = {};

  for (const variant of ['withDuration', 'withoutDuration'] as const) {
    const floor = MIN_ROC_AUC[variant];
    it(`trains on bank-full.csv ${variant} through the API, to a ROC AUC of at least ${floor}`, async () => {
      const datasetId = await upload(app, sharedData('bank-marketing', 'bank-full.csv'), {
        name: `bank-full-${variant}`,
        target: 'y',
        positiveLabel: 'yes',
        ...(variant === 'withoutDuration' ? { exclude: 'duration' } : {}),
      });
      const accepted = await http()
        .post(`/models/bank-nb-${variant}/train`)
        .send({ datasetId, plugins: [{ id: 'naive-bayes' }] })
        .expect(202);
      const job = await pollJob(app, accepted.body.jobId);
      const { body: version } = await http()
        .get(`/models/bank-nb-${variant}/versions/1`)
        .expect(200);
      figures[variant] = version.metrics.test.rocAuc;
      process.stdout.write(
        `bank-full.csv ${variant} naive-bayes: test ROC AUC ${version.metrics.test.rocAuc.toFixed(4)}, ` +
          `PR AUC ${version.metrics.test.prAuc.toFixed(4)}, fit ` +
          `${version.metrics.timings.fitSeconds.toFixed(2)} s\n`,
      );

      expect(job.status).toBe('succeeded');
      expect(version.pluginId).toBe('naive-bayes');
      expect(version.metrics.test.rocAuc).toBeGreaterThanOrEqual(MIN_ROC_AUC[variant]);
    }, 600_000);
  }

  it('scores customers with the trained version: a long last call scores higher', async () => {
    const customer = {
      age: 41,
      job: 'management',
      marital: 'married',
      education: 'tertiary',
      default: 'no',
      balance: 1270,
      housing: 'yes',
      loan: 'no',
      contact: 'cellular',
      day: 15,
      month: 'may',
      campaign: 1,
      pdays: -1,
      previous: 0,
      poutcome: 'unknown',
    };
    const score = async (duration: number) => {
      const { body } = await http()
        .post('/score')
        .send({ model: 'bank-nb-withDuration', version: 1, customer: { ...customer, duration } })
        .expect(200);

      return body.probability as number;
    };
    const short = await score(60);
    const long = await score(1500);

    process.stdout.write(
      `naive-bayes scores: ${short.toFixed(4)} after 60 s, ${long.toFixed(4)} after 1500 s\n`,
    );

    // Measured 0.0634 and 0.1791: the call's length is the strongest signal in this data.
    expect(short).toBeGreaterThan(0);
    expect(long).toBeLessThan(1);
    expect(long).toBeGreaterThan(2 * short);
  });
});

describe('plugins that misbehave while training', () => {
  let app: INestApplication;
  let datasetId: string;
  const http = () => request(app.getHttpServer());
  const notes = () => (fs.existsSync(trainingLog) ? fs.readFileSync(trainingLog, 'utf8') : '');

  beforeAll(async () => {
    app = await startWith({
      BULLSEYE_PLUGINS: `${nanOutput},${hanging}`,
      BULLSEYE_TRAINING_TIMEOUT_S: '8',
    });
    datasetId = await upload(app, sharedData('bank-marketing', 'bank.csv'), {
      target: 'y',
      positiveLabel: 'yes',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('fails the job with plugin_output_invalid on NaN predictions, creating no version', async () => {
    const accepted = await http()
      .post('/models/nan-model/train')
      .send({ datasetId, plugins: [{ id: 'nan-output' }] })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);
    const { body: model } = await http().get('/models/nan-model').expect(404);

    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'plugin_output_invalid' });
    expect((job.error as { message: string }).message).toContain(
      'Plugin "nan-output" returned invalid probabilities while predicting the training split: ' +
        'row 0 is NaN',
    );
    expect(model.error.code).toBe('model_not_found');
  });

  it('fails a training past BULLSEYE_TRAINING_TIMEOUT_S with training_timeout, aborting', async () => {
    const notesBefore = notes();
    const started = Date.now();
    const accepted = await http()
      .post('/models/hang-model/train')
      .send({ datasetId, plugins: [{ id: 'hanging' }] })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`hanging plugin: job failed after ${seconds.toFixed(1)} s\n`);

    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'training_timeout',
      message: expect.stringContaining('Plugin "hanging" was still training after 8 s'),
    });
    expect(seconds).toBeGreaterThanOrEqual(8);
    expect(seconds).toBeLessThan(30);
    expect(notes()).toBe(`${notesBefore}started\naborted\n`);
    await http().get('/models/hang-model').expect(404);
  }, 60_000);

  it('ends a cancelled job whose plugin will not stop within the grace period', async () => {
    const notesBefore = notes();
    const accepted = await http()
      .post('/models/hang-model/train')
      .send({ datasetId, plugins: [{ id: 'hanging' }] })
      .expect(202);
    // Cancel once the plugin itself is training, not while the job is still preprocessing.
    while (notes() === notesBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelledAt = Date.now();
    await http().post(`/jobs/${accepted.body.jobId}/cancel`).expect(200);
    const job = await pollJob(app, accepted.body.jobId);
    const seconds = (Date.now() - cancelledAt) / 1000;

    expect(job.status).toBe('cancelled');
    expect(seconds).toBeGreaterThanOrEqual(4.5);
    expect(seconds).toBeLessThan(8);
    expect(notes()).toBe(`${notesBefore}started\naborted\n`);
  }, 60_000);

  it('still trains the other plugins afterwards', async () => {
    const accepted = await http()
      .post('/models/after/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }] })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);

    expect(job.status).toBe('succeeded');
    expect((job.result as { versions: unknown[] }).versions).toHaveLength(1);
  });
});
